'use strict';
// The installer's page. The live image is drawn by the device (boxes, tracks, motion, rules); this canvas only
// shows the rule being edited. Every state-changing request carries the session's CSRF token in a header.
const $ = (id) => document.getElementById(id);
const CLASSES = ['person', 'bicycle', 'vehicle', 'car', 'motorcycle', 'bus', 'truck'];
const ZONE_TYPES = ['zone_intrusion', 'loitering', 'crowd', 'zone_count', 'motion_mask'];
let csrf = null;
let camera = null;
let liveSeq = 0;
let liveGen = 0;
let editing = null; // {points: [[x,y]...], selected: index|null, drag: bool}
let rules = [];

async function api(method, path, body) {
  const headers = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf || '';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch('/watchpost' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin' });
  if (r.status === 401 && path !== '/api/login') { showLogin(); }
  return r;
}

function showLogin() {
  csrf = null; liveGen++;
  $('login-view').hidden = false; $('main-view').hidden = true; $('camera').hidden = true; $('logout').hidden = true;
}

async function start(session) {
  csrf = session.csrf;
  $('login-view').hidden = true; $('main-view').hidden = false; $('logout').hidden = false;
  const cams = await (await api('GET', '/api/cameras')).json();
  const select = $('camera');
  select.replaceChildren(...cams.map((c) => new Option(c.id, c.id)));
  select.hidden = cams.length === 0;
  if (cams.length) { camera = cams[0].id; await loadRules(); liveLoop(); }
  healthLoop();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('login-error').textContent = '';
  const r = await api('POST', '/api/login', { user: $('user').value, password: $('password').value });
  const body = await r.json();
  if (!r.ok) { $('login-error').textContent = body.error || 'refused'; return; }
  $('password').value = '';
  start(body);
});

$('logout').addEventListener('click', async () => { await api('POST', '/api/logout'); showLogin(); });
$('camera').addEventListener('change', async () => { camera = $('camera').value; liveSeq = 0; cancelEdit(); await loadRules(); liveLoop(); });

// Refreshed JPEG: the next frame is asked for when the last one has arrived, so a slow link slows the view, not the
// device, and a closed tab stops the rendering on the device within seconds.
async function liveLoop() {
  const gen = ++liveGen;
  let frames = 0, bytes = 0, t0 = performance.now();
  while (gen === liveGen && camera) {
    if (document.hidden) { await new Promise((r) => setTimeout(r, 500)); continue; }
    try {
      const r = await api('GET', '/api/live/' + encodeURIComponent(camera) + '.jpg?after=' + liveSeq);
      if (gen !== liveGen) break;
      if (r.status !== 200) { await new Promise((res) => setTimeout(res, 1000)); continue; }
      liveSeq = Number(r.headers.get('X-Frame-Sequence')) || 0;
      const blob = await r.blob();
      frames++; bytes += blob.size;
      const url = URL.createObjectURL(blob);
      const img = $('live');
      const old = img.src;
      img.src = url;
      img.onload = () => { if (old.startsWith('blob:')) URL.revokeObjectURL(old); sizeOverlay(); };
      const s = (performance.now() - t0) / 1000;
      if (s > 2) { $('live-info').textContent = `${(frames / s).toFixed(1)} frames/s, ${(bytes / s / 1024).toFixed(0)} KiB/s`; frames = 0; bytes = 0; t0 = performance.now(); }
    } catch (err) { await new Promise((res) => setTimeout(res, 1000)); }
  }
}

function sizeOverlay() {
  const c = $('overlay'), img = $('live');
  if (c.width !== img.clientWidth || c.height !== img.clientHeight) { c.width = img.clientWidth; c.height = img.clientHeight; }
  drawEdit();
}
window.addEventListener('resize', sizeOverlay);

async function loadRules() {
  const r = await api('GET', '/api/rules?camera=' + encodeURIComponent(camera));
  if (!r.ok) return;
  const body = await r.json();
  rules = body.rules;
  const list = $('rules');
  list.replaceChildren(...rules.map((rule) => {
    const li = document.createElement('li');
    const rejected = body.rejected && body.rejected[rule['rule.id'] || rule.name];
    li.textContent = `${rule.name} — ${rule.type}` + (rejected ? ` (rejected: ${rejected})` : '');
    if (rejected) li.className = 'error';
    li.addEventListener('click', () => edit(rule));
    return li;
  }));
}

function parsePoints(text) {
  return (text || '').trim().split(/\s+/).filter(Boolean).map((p) => p.split(',').map(Number));
}

function edit(rule) {
  editing = { points: parsePoints(rule.points), selected: null, drag: false, existing: true };
  $('rule-form').hidden = false;
  $('rule-name').value = rule.name; $('rule-name').readOnly = true;
  $('rule-type').value = rule.type || 'zone_intrusion';
  setClasses(rule.classes || ['person']);
  $('rule-direction').value = rule.direction || 'both';
  $('rule-schedule').value = rule.schedule || 'always';
  $('rule-dwell').value = rule['dwell.s'] ?? 30;
  $('rule-min-count').value = rule['min.count'] ?? 5;
  $('rule-cooldown').value = rule['cooldown.s'] ?? 60;
  $('rule-priority').value = rule.priority || '';
  hint(); drawEdit();
}

function newRule(type) {
  editing = { points: [], selected: null, drag: false, existing: false };
  $('rule-form').hidden = false;
  $('rule-name').readOnly = false; $('rule-name').value = '';
  $('rule-type').value = type; setClasses(['person']);
  $('rule-direction').value = 'both'; $('rule-schedule').value = 'always';
  $('rule-priority').value = '';
  $('message').textContent = ''; $('message').className = ''; hint(); drawEdit();
}
$('new-zone').addEventListener('click', () => newRule('zone_intrusion'));
$('new-line').addEventListener('click', () => newRule('line_crossing'));
$('new-mask').addEventListener('click', () => newRule('motion_mask'));
$('cancel').addEventListener('click', cancelEdit);
$('rule-type').addEventListener('change', () => { hint(); drawEdit(); });

function cancelEdit() { editing = null; $('rule-form').hidden = true; drawEdit(); }

function setClasses(selected) {
  const set = new Set(selected);
  $('classes').replaceChildren(Object.assign(document.createElement('legend'), { textContent: 'Classes' }), ...CLASSES.map((c) => {
    const label = document.createElement('label');
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', value: c, checked: set.has(c) });
    box.name = 'class';
    label.append(box, ' ' + c);
    return label;
  }));
}

function isLine() { return $('rule-type').value === 'line_crossing'; }
function hint() {
  $('draw-hint').textContent = isLine()
    ? 'Click two points on the image; drag a point to move it. The arrow shows "in" (left-hand side to right-hand side, facing from the first point to the second).'
    : 'Click on the image to add points; drag a point to move it; select one and "Delete selected point".';
  $('flip').hidden = !isLine(); $('rule-direction').parentElement.hidden = !isLine();
}

function canvasPoint(e) {
  const c = $('overlay'), r = c.getBoundingClientRect();
  return [Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)), Math.min(1, Math.max(0, (e.clientY - r.top) / r.height))];
}
function nearest(p) {
  const c = $('overlay');
  let best = null, bestD = 12;
  editing.points.forEach((q, i) => { const d = Math.hypot((q[0] - p[0]) * c.width, (q[1] - p[1]) * c.height); if (d < bestD) { best = i; bestD = d; } });
  return best;
}
$('overlay').addEventListener('pointerdown', (e) => {
  if (!editing) return;
  const p = canvasPoint(e);
  const i = nearest(p);
  if (i !== null) { editing.selected = i; editing.drag = true; }
  else if (!isLine() || editing.points.length < 2) { editing.points.push(p); editing.selected = editing.points.length - 1; }
  drawEdit();
});
$('overlay').addEventListener('pointermove', (e) => {
  if (editing && editing.drag && editing.selected !== null) { editing.points[editing.selected] = canvasPoint(e); drawEdit(); }
});
window.addEventListener('pointerup', () => { if (editing) editing.drag = false; });
$('delete-point').addEventListener('click', () => {
  if (editing && editing.selected !== null) { editing.points.splice(editing.selected, 1); editing.selected = null; drawEdit(); }
});
$('flip').addEventListener('click', () => { if (editing) { editing.points.reverse(); drawEdit(); } });

function drawEdit() {
  const c = $('overlay'), g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  if (!editing) return;
  const pts = editing.points.map((p) => [p[0] * c.width, p[1] * c.height]);
  g.lineWidth = 2; g.strokeStyle = '#00ff66'; g.fillStyle = 'rgba(0,255,102,0.15)';
  if (pts.length) {
    g.beginPath(); g.moveTo(...pts[0]); pts.slice(1).forEach((p) => g.lineTo(...p));
    if (!isLine() && pts.length > 2) { g.closePath(); g.fill(); }
    g.stroke();
  }
  if (isLine() && pts.length === 2) {
    const [a, b] = pts, dx = b[0] - a[0], dy = b[1] - a[1], len = Math.hypot(dx, dy) || 1;
    const n = [-dy / len * 30, dx / len * 30], m = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    arrow(g, [m[0] - n[0], m[1] - n[1]], [m[0] + n[0], m[1] + n[1]]);
    g.fillStyle = '#00ff66'; g.font = '13px sans-serif'; g.fillText('in', m[0] + n[0] + 4, m[1] + n[1] + 4);
  }
  pts.forEach((p, i) => { g.beginPath(); g.arc(p[0], p[1], i === editing.selected ? 7 : 5, 0, 7); g.fillStyle = i === editing.selected ? '#fff' : '#00ff66'; g.fill(); });
}
function arrow(g, from, to) {
  g.beginPath(); g.moveTo(...from); g.lineTo(...to); g.stroke();
  const a = Math.atan2(to[1] - from[1], to[0] - from[0]);
  g.beginPath(); g.moveTo(...to);
  g.lineTo(to[0] - 10 * Math.cos(a - 0.5), to[1] - 10 * Math.sin(a - 0.5));
  g.lineTo(to[0] - 10 * Math.cos(a + 0.5), to[1] - 10 * Math.sin(a + 0.5)); g.closePath(); g.fill();
}

$('rule-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const msg = $('message');
  const type = $('rule-type').value;
  const properties = {
    'camera.id': camera, type,
    points: editing.points.map((p) => `${p[0].toFixed(4)},${p[1].toFixed(4)}`).join(' '),
    classes: [...document.querySelectorAll('#classes input:checked')].map((b) => b.value),
    schedule: $('rule-schedule').value,
    'dwell.s': Number($('rule-dwell').value), 'min.count': Number($('rule-min-count').value),
    'cooldown.s': Number($('rule-cooldown').value),
  };
  if (type === 'line_crossing') properties.direction = $('rule-direction').value;
  if ($('rule-priority').value) properties.priority = $('rule-priority').value;
  const r = await api('POST', '/api/rules', { name: $('rule-name').value, properties });
  const body = await r.json();
  if (!r.ok) { msg.className = 'error'; msg.textContent = body.error || 'refused'; return; }
  msg.className = 'ok'; msg.textContent = `Saved ${$('rule-name').value}; the analytics use it from the next frame.`;
  cancelEdit(); await loadRules();
});
$('delete-rule').addEventListener('click', async () => {
  if (!editing || !editing.existing) { cancelEdit(); return; }
  const r = await api('DELETE', '/api/rules/' + encodeURIComponent($('rule-name').value));
  $('message').textContent = r.ok ? 'Deleted.' : 'Not deleted.';
  cancelEdit(); await loadRules();
});

const DEVICE_KEYS = ['uplink_connected', 'outbox_depth', 'outbox_dropped', 'uplink_bits_per_s_now', 'budget_bits_per_s',
  'model_name', 'model_version', 'model_state', 'inference_latency_p50_ms', 'cpu_load', 'temperature_c', 'memory_used_mb', 'uptime_s'];
async function healthLoop() {
  while (csrf) {
    try {
      const r = await api('GET', '/api/health');
      if (r.ok) renderHealth(await r.json());
    } catch (e) { /* next round */ }
    await new Promise((res) => setTimeout(res, 3000));
  }
}
function row(cells, th) {
  const tr = document.createElement('tr');
  cells.forEach((c) => { const td = document.createElement(th ? 'th' : 'td'); if (c instanceof Node) td.append(c); else td.textContent = c ?? '—'; tr.append(td); });
  return tr;
}
function renderHealth(h) {
  const out = $('health');
  const cams = document.createElement('table');
  cams.append(row(['camera', 'state', 'reasons', 'source', 'frames/s', 'detector ms', 'load shedding', 'baseline'], true));
  for (const [id, c] of Object.entries(h.cameras || {})) {
    const state = Object.assign(document.createElement('span'), { textContent: c.state, className: c.state === 'OK' ? 'state-OK' : 'state-bad' });
    const rep = c.report || {};
    const b = c.baseline || {};
    const fmt = (v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v ?? '—');
    const baseline = b.samples ? `brightness ${fmt(rep.mean_luma)} / ${fmt(b.mean_luma)}, sharpness ${fmt(rep.sharpness)} / ${fmt(b.sharpness)}, `
      + `saturated ${fmt(rep.saturated_share)} / ${fmt(b.saturated_share)}, fps ${fmt(b.fps)} (now / learned, ${b.samples} samples)` : (rep.baseline || '');
    cams.append(row([id, state, c.alarms.map((a) => `${a.state}: ${a.reason}`).join('; ') || '—', c.source, c.fps, c.inference_ms,
      rep.analytics_degraded ? `yes (detector every ${rep.analytics_detect_interval_ms} ms)` : 'no', baseline || '—']));
  }
  const dev = document.createElement('table');
  dev.append(row(['device', 'value'], true));
  const d = h.device || {};
  DEVICE_KEYS.filter((k) => k in d).forEach((k) => dev.append(row([k, String(d[k])])));
  Object.keys(d).filter((k) => !DEVICE_KEYS.includes(k)).sort().forEach((k) => dev.append(row([k, String(d[k])])));
  const views = document.createElement('div');
  views.className = 'views';
  for (const id of Object.keys(h.cameras || {})) {
    if (id !== camera) continue;
    const ref = Object.assign(document.createElement('img'), { alt: `reference view of ${id}`, id: 'reference' });
    refreshReference(id, ref);
    const now = Object.assign(document.createElement('img'), { alt: `current view of ${id}`, src: $('live').src });
    views.append(figure(ref, 'reference view (edges) learned by camera health'), figure(now, 'now'));
  }
  out.replaceChildren(views, cams, dev);
}
const references = {};
async function refreshReference(id, img) {
  const cached = references[id];
  if (cached && Date.now() - cached.at < 30000) { img.src = cached.url; return; }
  const r = await api('GET', '/api/reference/' + encodeURIComponent(id) + '.jpg');
  if (!r.ok) { img.alt = 'no baseline learned yet'; return; }
  if (cached) URL.revokeObjectURL(cached.url);
  references[id] = { url: URL.createObjectURL(await r.blob()), at: Date.now() };
  img.src = references[id].url;
}
function figure(img, caption) {
  const f = document.createElement('figure');
  f.append(img, Object.assign(document.createElement('figcaption'), { textContent: caption }));
  return f;
}

(async () => {
  const r = await fetch('/watchpost/api/session', { credentials: 'same-origin' });
  if (r.ok) start(await r.json()); else showLogin();
})();
