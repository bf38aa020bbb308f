// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.watchpost.testing.SharedData;

/**
 * The installer's page in the real runtime jar on vtest, in a real browser: headless Debian
 * Chromium driven by playwright-core from npm. Logs in with the credential the device printed, sees
 * boxes drawn in the live view, draws a zone over the lawn and a line across the path, saves them
 * and sees the runtime raise their events; a wrong password, a missing CSRF token and a request
 * without a session are refused; the page fits 1280x800 and a phone.
 */
@Timeout(240)
class InstallerPageIT {
  private static final Pattern PASSWORD = Pattern.compile("password: (\\S+)");
  private static final Pattern EVENT =
      Pattern.compile("^EVENT \\S+ (\\S+) camera=gate rule=(lawn-web|path-web) ");

  @Test
  void anInstallerDrawsRulesOnTheLiveImageAndTheRuntimeRaisesTheirEvents() throws Exception {
    Path work = SharedData.scratchDirectory("installer-page");
    int port = DeviceConfig.freePort();
    Path config = config(work, port);
    Path browser = installBrowserDriver();
    try (RuntimeProcess runtime = new RuntimeProcess(work, config)) {
      Matcher m = PASSWORD.matcher(runtime.await(l -> PASSWORD.matcher(l).find(), 120_000));
      assertTrue(m.find());
      String password = m.group(1);
      firstPassword = password;
      runtime.await(l -> l.contains("Started ServerConnector") && l.contains(":" + port), 60_000);
      runtime.await(l -> l.contains("camera gate running"), 60_000);
      Path state = work.resolve("web");
      assertTrue(
          Files.readString(state.resolve("credential")).startsWith("pbkdf2-sha256:"),
          "only the hash is kept");
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(
              Files.getPosixFilePermissions(state.resolve("credential"))));
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("https.p12"))));

      String base = "https://127.0.0.1:" + port;
      refusals(base, state, password);

      Process node =
          new ProcessBuilder("node", "installer-page.mjs", base, password, work.toString())
              .directory(browser.toFile())
              .redirectErrorStream(true)
              .start();
      String nodeOutput = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(node.waitFor(120, TimeUnit.SECONDS));
      assertEquals(0, node.exitValue(), nodeOutput);
      JsonObject result =
          JsonParser.parseString(Files.readString(work.resolve("result.json"))).getAsJsonObject();

      assertTrue(result.get("wrongPassword").getAsString().contains("wrong"), result.toString());
      assertTrue(result.get("liveFrames").getAsInt() >= 3, "the live view refreshes: " + result);
      assertTrue(
          magentaPixels(work.resolve("live.png")) > 200, "detection boxes drawn in the live view");
      assertTrue(
          result.get("zoneSaved").getAsString().startsWith("Saved lawn-web"), result.toString());
      assertTrue(
          result.get("lineSaved").getAsString().startsWith("Saved path-web"), result.toString());
      assertTrue(
          result.get("badRule").getAsString().contains("rule refused")
              && result.get("badRule").getAsString().contains("3"),
          "the analytics' reason shown: " + result.get("badRule"));
      assertTrue(
          result.get("rulesListed").toString().contains("lawn-web")
              && result.get("rulesListed").toString().contains("path-web"));
      assertTrue(
          result.get("maskSaved").getAsString().startsWith("Saved mask-web"),
          "a motion mask drawn: " + result);
      assertTrue(
          result.get("rulesListed").toString().contains("mask-web — motion_mask"),
          result.get("rulesListed").toString());
      assertTrue(result.get("overflow1280").getAsInt() <= 0, "no horizontal scrolling at 1280x800");
      assertTrue(result.get("overflowPhone").getAsInt() <= 0, "no horizontal scrolling on a phone");
      assertTrue(
          result.get("phoneLiveWidth").getAsDouble() > 300, "the live view fills a phone's width");
      assertEquals(401, result.get("afterLogout").getAsInt(), "no session, no answer");
      assertEquals(
          320,
          result.get("referenceWidth").getAsInt(),
          "the learned reference view shown beside the current one");
      assertTrue(!result.has("pageErrors"), "no script errors: " + result.get("pageErrors"));

      long zoneSaved = savedAt(result, "save-zone");
      long lineSaved = savedAt(result, "save-line");
      long[] firstEvent = new long[2];
      long deadline = System.currentTimeMillis() + 90_000;
      while ((firstEvent[0] == 0 || firstEvent[1] == 0) && System.currentTimeMillis() < deadline) {
        for (String line : runtime.output) {
          Matcher e = EVENT.matcher(line);
          if (e.find()) {
            int i = e.group(2).equals("lawn-web") ? 0 : 1;
            if (firstEvent[i] == 0) {
              firstEvent[i] = System.currentTimeMillis();
            }
          }
        }
        Thread.sleep(50);
      }
      assertTrue(firstEvent[0] > 0, "an event of the zone drawn over the lawn");
      assertTrue(firstEvent[1] > 0, "an event of the line drawn across the path");
      System.out.printf(
          Locale.ROOT,
          "InstallerPageIT: save to first event: zone %.1f s, line %.1f s (upper bounds: 50 ms polling)%n",
          (firstEvent[0] - zoneSaved) / 1000.0,
          (firstEvent[1] - lineSaved) / 1000.0);
      // Save to "in force" from the runtime's own log clock: the request's log line and the
      // pipeline's next one.
      List<String> log = List.copyOf(runtime.output);
      for (String rule : List.of("lawn-web", "path-web")) {
        int saved = -1;
        for (int i = 0; i < log.size(); i++) {
          if (saved < 0 && log.get(i).contains("rule " + rule + " saved")) {
            saved = i;
          } else if (saved >= 0 && log.get(i).contains("rules in force")) {
            System.out.printf(
                Locale.ROOT,
                "InstallerPageIT: %s saved at %s, in force at %s%n",
                rule,
                log.get(saved).substring(0, 12),
                log.get(i).substring(0, 12));
            break;
          }
        }
      }
      // Health's learned reference view, for the page to show beside the current one.
      runtime.await(l -> l.contains("camera gate: learned Baseline"), 60_000);
      String[] session = login(trustingOnly(state), base, password);
      HttpResponse<byte[]> reference =
          trustingOnly(state)
              .send(
                  HttpRequest.newBuilder(URI.create(base + "/watchpost/api/reference/gate.jpg"))
                      .header("Cookie", session[0])
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      assertEquals(200, reference.statusCode());
      BufferedImage view = ImageIO.read(new ByteArrayInputStream(reference.body()));
      assertEquals(320, view.getWidth(), "the reference view, scaled for the page");
    }
    // A power cut: the runtime rebuilds Config Admin from its seed file, the rules drawn on the
    // page come back;
    // the login and the certificate are the device's own and stay; the password is not shown again.
    byte[] certificate = Files.readAllBytes(work.resolve("web/https.p12"));
    try (RuntimeProcess again = new RuntimeProcess(work, config)) {
      again.await(l -> l.contains("Started ServerConnector") && l.contains(":" + port), 120_000);
      again.await(l -> l.contains("rules in force"), 60_000);
      Path state = work.resolve("web");
      assertTrue(
          java.util.Arrays.equals(certificate, Files.readAllBytes(state.resolve("https.p12"))),
          "the same certificate");
      for (String line : Files.readAllLines(work.resolve("runtime.log"))) {
        assertTrue(!PASSWORD.matcher(line).find(), "the password is shown once only: " + line);
      }
      HttpClient http = trustingOnly(state);
      String[] session = login(http, "https://127.0.0.1:" + port, firstPassword);
      HttpResponse<String> rules =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("https://127.0.0.1:" + port + "/watchpost/api/rules?camera=gate"))
                  .header("Cookie", session[0])
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertTrue(
          rules.body().contains("lawn-web") && rules.body().contains("path-web"),
          "the drawn rules survive a restart: " + rules.body());
      // Guessing: after 5 failures from this address its logins are refused unchecked, the right
      // password too.
      for (int i = 0; i < 5; i++) {
        assertEquals(
            401,
            http.send(
                    post(
                        "https://127.0.0.1:" + port + "/watchpost/api/login",
                        "{\"user\":\"installer\",\"password\":\"guess" + i + "\"}",
                        null,
                        null),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode());
      }
      HttpResponse<String> locked =
          http.send(
              post(
                  "https://127.0.0.1:" + port + "/watchpost/api/login",
                  "{\"user\":\"installer\",\"password\":\"" + firstPassword + "\"}",
                  null,
                  null),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(429, locked.statusCode(), "locked out: " + locked.body());
    }
  }

  private static String firstPassword;

  private static String[] login(HttpClient http, String base, String password) throws Exception {
    HttpResponse<String> login =
        http.send(
            post(
                base + "/watchpost/api/login",
                "{\"user\":\"installer\",\"password\":\"" + password + "\"}",
                null,
                null),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, login.statusCode(), login.body());
    String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    return new String[] {
      cookie.substring(0, cookie.indexOf(';')),
      JsonParser.parseString(login.body()).getAsJsonObject().get("csrf").getAsString()
    };
  }

  private static long savedAt(JsonObject result, String name) {
    for (var s : result.getAsJsonArray("steps")) {
      if (s.getAsJsonObject().get("name").getAsString().equals(name)) {
        return s.getAsJsonObject().get("at").getAsLong();
      }
    }
    throw new AssertionError("no step " + name);
  }

  /**
   * Refused: no session, a wrong password, a state change without the CSRF token; a bad rule with
   * its reason.
   */
  private static void refusals(String base, Path state, String password) throws Exception {
    HttpClient http = trustingOnly(state);
    assertEquals(
        401,
        http.send(get(base + "/watchpost/api/cameras"), HttpResponse.BodyHandlers.ofString())
            .statusCode());
    assertEquals(
        401,
        http.send(
                post(
                    base + "/watchpost/api/login",
                    "{\"user\":\"installer\",\"password\":\"guess\"}",
                    null,
                    null),
                HttpResponse.BodyHandlers.ofString())
            .statusCode());
    HttpResponse<String> login =
        http.send(
            post(
                base + "/watchpost/api/login",
                "{\"user\":\"installer\",\"password\":\"" + password + "\"}",
                null,
                null),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, login.statusCode(), login.body());
    String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(
        cookie.contains("HttpOnly")
            && cookie.contains("Secure")
            && cookie.contains("SameSite=Strict"),
        cookie);
    String session = cookie.substring(0, cookie.indexOf(';'));
    String csrf = JsonParser.parseString(login.body()).getAsJsonObject().get("csrf").getAsString();
    String rule =
        "{\"name\":\"csrf-probe\",\"properties\":{\"camera.id\":\"gate\",\"type\":\"zone_intrusion\",\"points\":\"0,0 1,0 1,1\"}}";
    HttpResponse<String> noToken =
        http.send(
            post(base + "/watchpost/api/rules", rule, session, null),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(
        403, noToken.statusCode(), "a state change without the CSRF token: " + noToken.body());
    HttpResponse<String> wrongToken =
        http.send(
            post(base + "/watchpost/api/rules", rule, session, csrf + "x"),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(403, wrongToken.statusCode());
    String bad =
        "{\"name\":\"bad\",\"properties\":{\"camera.id\":\"gate\",\"type\":\"line_crossing\",\"points\":\"0.1,0.1\"}}";
    HttpResponse<String> refused =
        http.send(
            post(base + "/watchpost/api/rules", bad, session, csrf),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(422, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("rule refused"), refused.body());
    HttpResponse<String> unknown =
        http.send(
            post(
                base + "/watchpost/api/rules",
                "{\"name\":\"x\",\"properties\":{\"service.pid\":\"org.watchpost.inference\"}}",
                session,
                csrf),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(400, unknown.statusCode(), "only rule properties are written: " + unknown.body());
  }

  private static HttpRequest get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build();
  }

  private static HttpRequest post(String url, String body, String cookie, String csrf) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    if (csrf != null) {
      b.header("X-CSRF-Token", csrf);
    }
    return b.build();
  }

  /** A client that trusts the device's own certificate and nothing else. */
  private static HttpClient trustingOnly(Path state) throws Exception {
    KeyStore device = KeyStore.getInstance("PKCS12");
    String password = Files.readString(state.resolve("https.p12.password")).strip();
    try (var in = Files.newInputStream(state.resolve("https.p12"))) {
      device.load(in, password.toCharArray());
    }
    Certificate certificate = device.getCertificate(device.aliases().nextElement());
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("device", certificate);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** Pixels of the box colour (magenta) in a screenshot. */
  static int magentaPixels(Path png) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(Files.readAllBytes(png)));
    int count = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (r > 190 && b > 190 && g < 90) {
          count++;
        }
      }
    }
    return count;
  }

  /**
   * playwright-core from npm into target/ (no browser is downloaded: it drives /usr/bin/chromium).
   */
  private static Path installBrowserDriver() throws Exception {
    Path source = SharedData.projectRoot().resolve("target-platform/src/test/browser");
    Path dir = Path.of("target", "browser").toAbsolutePath();
    Files.createDirectories(dir);
    for (String name : List.of("package.json", "installer-page.mjs")) {
      Files.copy(
          source.resolve(name),
          dir.resolve(name),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.isDirectory(dir.resolve("node_modules/playwright-core"))) {
      ProcessBuilder npm =
          new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--ignore-scripts")
              .directory(dir.toFile())
              .redirectErrorStream(true);
      npm.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
      Process p = npm.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(
          p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0,
          "npm install playwright-core: " + out);
    }
    return dir;
  }

  private static Path config(Path work, int port) throws IOException {
    // Every rule event printed as it is raised (not folded into incidents): the test reads them
    // from the console.
    JsonObject root =
        DeviceConfig.base(
            work,
            "watchpost.installer-page-it",
            Map.of("realtime", true, "loop", true),
            Map.of("incidents", false));
    root.add("org.watchpost.console", new JsonObject());
    JsonObject web = new JsonObject();
    web.addProperty("port", port);
    web.addProperty("bind.address", "127.0.0.1");
    web.addProperty("state.dir", work.resolve("web").toString());
    root.add("org.watchpost.web", web);
    return DeviceConfig.write(work, root);
  }
}
