// Drives the installer's page in headless Debian Chromium (never a downloaded browser) for InstallerPageIT.
// Usage: node installer-page.mjs BASE_URL PASSWORD OUT_DIR ; prints one JSON line of what it saw and did.
import { chromium } from 'playwright-core';
import { writeFileSync } from 'node:fs';

const [base, password, out] = process.argv.slice(2);
const result = { steps: [] };
const step = (name, extra = {}) => { result.steps.push({ name, at: Date.now(), ...extra }); };
// A fresh profile each run (playwright passes it as --user-data-dir). The device's certificate is self-signed:
// the browser accepts it the way an installer does once.
const context = await chromium.launchPersistentContext(`${out}/chromium-profile`, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
  ignoreHTTPSErrors: true,
  viewport: { width: 1280, height: 800 },
});
try {
  const page = await context.newPage();
  page.on('pageerror', (e) => { result.pageErrors = (result.pageErrors || []).concat(String(e)); });
  await page.goto(base + '/watchpost/');
  await page.screenshot({ path: `${out}/login-1280.png` });

  await page.fill('#password', 'not-the-password');
  await page.click('#login');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.length > 0);
  result.wrongPassword = await page.textContent('#login-error');

  await page.fill('#password', password);
  await page.click('#login');
  await page.waitForSelector('#main-view:not([hidden])');
  // A few live frames: the image's source changes with each one.
  const sources = new Set();
  for (let i = 0; i < 40 && sources.size < 4; i++) {
    await page.waitForFunction(() => { const i = document.getElementById('live'); return i.complete && i.naturalWidth > 0; });
    sources.add(await page.getAttribute('#live', 'src'));
    await page.waitForTimeout(250);
  }
  result.liveFrames = sources.size;
  step('live');
  await page.locator('#live').screenshot({ path: `${out}/live.png` });

  const box = await page.locator('#overlay').boundingBox();
  const at = (x, y) => [box.x + x * box.width, box.y + y * box.height];
  const click = async (x, y) => { const [px, py] = at(x, y); await page.mouse.click(px, py); };

  // A zone over the lawn (the lower left of vtest), clicked point by point.
  await page.click('#new-zone');
  await page.fill('#rule-name', 'lawn-web');
  for (const [x, y] of [[0.0, 0.47], [0.30, 0.50], [0.55, 0.62], [0.85, 0.80], [0.85, 0.999], [0.0, 0.999]]) await click(x, y);
  // Move the last point a little by dragging it, as an installer corrects a click.
  { const [px, py] = at(0.0, 0.999); await page.mouse.move(px + 2, py - 2); await page.mouse.down(); const [qx, qy] = at(0.001, 0.998); await page.mouse.move(qx, qy); await page.mouse.up(); }
  await page.fill('#rule-cooldown', '5');
  await page.screenshot({ path: `${out}/editing-1280.png` });
  await page.click('#save');
  step('save-zone');
  await page.waitForFunction(() => document.getElementById('message').textContent.startsWith('Saved lawn-web'));
  result.zoneSaved = await page.textContent('#message');

  // A line across the path, drawn one way and flipped.
  await page.click('#new-line');
  await page.fill('#rule-name', 'path-web');
  await page.selectOption('#rule-type', 'line_crossing');
  await click(0.40, 0.62);
  await click(0.40, 0.22);
  await page.click('#flip');
  await page.check('#classes input[value="bicycle"]');
  await page.fill('#rule-cooldown', '5');
  await page.click('#save');
  step('save-line');
  await page.waitForFunction(() => document.getElementById('message').textContent.startsWith('Saved path-web'));
  result.lineSaved = await page.textContent('#message');

  // A motion mask drawn the same way (the building's windows at the top, whose reflections move).
  await page.click('#new-mask');
  await page.fill('#rule-name', 'mask-web');
  for (const [x, y] of [[0.45, 0.02], [0.75, 0.02], [0.75, 0.12], [0.45, 0.12]]) await click(x, y);
  await page.click('#save');
  await page.waitForFunction(() => document.getElementById('message').textContent.startsWith('Saved mask-web'));
  result.maskSaved = await page.textContent('#message');

  // A zone of two points is refused, with the analytics' reason on the page.
  await page.click('#new-zone');
  await page.fill('#rule-name', 'too-small');
  await click(0.1, 0.1);
  await click(0.2, 0.2);
  await page.click('#save');
  await page.waitForFunction(() => document.getElementById('message').className === 'error');
  result.badRule = await page.textContent('#message');
  await page.click('#cancel');

  result.rulesListed = await page.locator('#rules li').allTextContents();
  // The device draws the new rules into the next frames.
  await page.waitForTimeout(1500);
  await page.waitForFunction(() => document.querySelector('#health table') !== null);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${out}/page-1280.png` });
  await page.locator('#live').screenshot({ path: `${out}/live-with-rules.png` });
  result.overflow1280 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  // Health: the reference view camera health learned (after its learning time) beside the current one.
  await page.waitForFunction(() => { const r = document.getElementById('reference'); return r && r.naturalWidth > 0; },
    null, { timeout: 40000 }).catch(() => {});
  result.referenceWidth = await page.evaluate(() => document.getElementById('reference')?.naturalWidth || 0);
  await page.locator('#health-panel').screenshot({ path: `${out}/health-1280.png` });

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(800);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${out}/page-phone.png` });
  result.overflowPhone = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  result.phoneLiveWidth = await page.evaluate(() => document.getElementById('live').getBoundingClientRect().width);

  // Logged out, the API refuses: a request without a session.
  await page.click('#logout');
  await page.waitForSelector('#login-view:not([hidden])');
  result.afterLogout = await page.evaluate(async () => (await fetch('/watchpost/api/cameras')).status);
} finally {
  await context.close();
}
writeFileSync(`${out}/result.json`, JSON.stringify(result, null, 1));
console.log('RESULT ' + JSON.stringify(result));
