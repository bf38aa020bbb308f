// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.watchpost.runtime.kurawebprobe.WebProbe;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * The installer's page inside each Eclipse Kura line, on Kura's own web server: the Kura-shaped
 * framework of KuraCompatibilityIT (its launcher, the line's Equinox, SCR, Deployment Admin and
 * libraries) plus the web server that line runs (Equinox's HTTP service and Whiteboard on Jetty, at
 * Kura's versions) started HTTPS-only with a gateway keystore as Kura's HTTP server manager does,
 * and servlets standing in for Kura's UI registered through the HttpService as Kura's console does.
 * The .dp goes in through the real Deployment Admin; then, over real HTTPS: the page's login
 * answers, a wrong password is refused, the generated credential logs in, the live view is a JPEG
 * of vtest with detection boxes, and Kura's UI still answers beside it.
 */
@Timeout(600)
class KuraInstallerPageIT {
  private static final Pattern PASSWORD = Pattern.compile("password: (\\S+)");
  private static final String STORE_PASSWORD = "kura-gateway-keystore";

  @ParameterizedTest
  @EnumSource(KuraLine.class)
  void thePageIsServedByKurasWebServerBesideKurasUi(KuraLine line) throws Exception {
    Path scratch = SharedData.scratchDirectory("kura-page-it-" + line.id);
    int port = Mosquitto.freePort();
    Path keystore = gatewayKeystore(scratch);
    Path out = scratch.resolve("results.properties");
    Process framework = start(line, scratch, port, keystore, out);
    Path log = scratch.resolve("framework.log");
    try {
      long deadline = System.currentTimeMillis() + 300_000;
      while (!Files.exists(out) && framework.isAlive() && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      assertTrue(Files.exists(out), "the probe reported; log " + log);
      Properties r = new Properties();
      try (InputStream in = Files.newInputStream(out)) {
        r.load(in);
      }
      System.out.printf("%s: %s%n", line.id, r);
      assertNull(r.getProperty("probe.error"), "probe: " + r + " (" + log + ")");
      assertEquals(
          "",
          r.getProperty("dp.install.error"),
          "Deployment Admin installed the .dp (" + log + ")");
      assertEquals("", r.getProperty("bundles.not.active"), "every bundle ACTIVE (" + log + ")");
      assertEquals(
          "",
          r.getProperty("http.failed"),
          "no servlet or context refused by Kura's whiteboard: " + r);
      assertTrue(
          r.getProperty("http.contexts").contains("org.watchpost.web:/watchpost"),
          "the page's own context: " + r);
      assertEquals("", r.getProperty("seeding.errors"), r.toString());
      assertTrue(
          r.getProperty("seeded.pids").contains("org.watchpost.web")
              && r.getProperty("seeded.pids").contains("org.watchpost.opcua"),
          "Kura's seeding: " + r);
      assertEquals(
          "[" + port + "]",
          r.getProperty("listening.ports"),
          "Kura's HTTPS port is the only one open, with every Watchpost PID at its defaults: " + r);
      assertEquals(
          "false",
          r.getProperty("felix.http.configured"),
          "inside Kura the page configures no web server of its own, whatever manage.server says: "
              + r);

      HttpClient http = trusting(keystore);
      String base = "https://127.0.0.1:" + port;
      // The page's login page, from Kura's Jetty.
      HttpResponse<String> page =
          http.send(get(base + "/watchpost/"), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, page.statusCode(), page.body());
      assertTrue(page.body().contains("app.js"), "the page itself: " + page.body());
      // A wrong password refused, the credential the device printed once (in Kura's log) accepted.
      assertEquals(
          401,
          http.send(login(base, "not-the-password"), HttpResponse.BodyHandlers.ofString())
              .statusCode());
      Matcher m = PASSWORD.matcher(Files.readString(log));
      assertTrue(m.find(), "the generated credential was printed once (" + log + ")");
      HttpResponse<String> session =
          http.send(login(base, m.group(1)), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, session.statusCode(), session.body());
      String cookie = session.headers().firstValue("Set-Cookie").orElseThrow();
      assertTrue(cookie.contains("Secure") && cookie.contains("HttpOnly"), cookie);
      assertTrue(
          JsonParser.parseString(session.body()).getAsJsonObject().has("csrf"), session.body());
      cookie = cookie.substring(0, cookie.indexOf(';'));

      // The live view: JPEGs of vtest, rendered on demand, until one shows a detection box.
      int boxes = 0;
      int frames = 0;
      long liveDeadline = System.currentTimeMillis() + 90_000;
      long after = 0;
      while (boxes < 200 && System.currentTimeMillis() < liveDeadline) {
        HttpResponse<byte[]> frame =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(base + "/watchpost/api/live/cam-kura.jpg?after=" + after))
                    .header("Cookie", cookie)
                    .timeout(Duration.ofSeconds(10))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (frame.statusCode() != 200) {
          Thread.sleep(200);
          continue;
        }
        assertEquals("image/jpeg", frame.headers().firstValue("Content-Type").orElse(""));
        after =
            frame.headers().firstValue("X-Frame-Sequence").map(Long::parseLong).orElse(after + 1);
        Path jpeg = scratch.resolve("live.jpg");
        Files.write(jpeg, frame.body());
        boxes = InstallerPageIT.magentaPixels(jpeg);
        frames++;
      }
      assertTrue(frames > 0, "the live view answered with JPEGs");
      assertTrue(
          boxes >= 200,
          "detection boxes drawn in the live view ("
              + frames
              + " frames, "
              + scratch.resolve("live.jpg")
              + ")");

      // Kura's UI is undisturbed: its console and its root redirect still answer, beside the page.
      HttpResponse<String> console =
          http.send(get(base + "/admin/console"), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, console.statusCode());
      assertEquals(WebProbe.KURA_UI_MARK, console.body());
      HttpResponse<String> root = http.send(get(base + "/"), HttpResponse.BodyHandlers.ofString());
      assertEquals(302, root.statusCode());
      assertTrue(
          root.headers().firstValue("Location").orElse("").endsWith("/admin/console"),
          root.headers().toString());
      // The off switch inside Kura (org.watchpost.web enabled=false): the page is gone (its path
      // falls to Kura's
      // root, which sends it to the console), Kura's UI stays.
      switchPage(out, false);
      HttpResponse<String> gone =
          http.send(get(base + "/watchpost/"), HttpResponse.BodyHandlers.ofString());
      assertEquals(302, gone.statusCode(), gone.body());
      assertTrue(
          gone.headers().firstValue("Location").orElse("").endsWith("/admin/console"),
          gone.headers().toString());
      assertEquals(
          WebProbe.KURA_UI_MARK,
          http.send(get(base + "/admin/console"), HttpResponse.BodyHandlers.ofString()).body());
      switchPage(out, true);
      assertEquals(
          200,
          http.send(get(base + "/watchpost/"), HttpResponse.BodyHandlers.ofString()).statusCode());
      System.out.printf(
          "%s: .dp installed in %s ms; %d live frames until boxes%n",
          line.id, r.getProperty("dp.install.ms"), frames);
      String measure = System.getProperty("watchpost.kura.page.measure.s");
      if (measure != null) {
        measureIdleCost(line, framework, out, Integer.parseInt(measure));
      }
    } finally {
      Files.writeString(Path.of(out + ".done"), "done\n");
      if (!framework.waitFor(60, TimeUnit.SECONDS)) {
        framework.destroyForcibly();
      }
    }
  }

  /**
   * CPU of Kura's JVM while nobody watches, the page on against the page off (org.watchpost.web
   * enabled, switched by the probe as an operator would), in alternating windows after the live
   * view's linger time; measured, never asserted (-Dwatchpost.kura.page.measure.s=WINDOW).
   */
  private static void measureIdleCost(KuraLine line, Process framework, Path out, int windowSeconds)
      throws Exception {
    Thread.sleep(5_000);
    for (int round = 0; round < 3; round++) {
      for (boolean enabled : new boolean[] {false, true}) {
        switchPage(out, enabled);
        Thread.sleep(3_000);
        Duration before = framework.info().totalCpuDuration().orElseThrow();
        long start = System.nanoTime();
        Thread.sleep(windowSeconds * 1000L);
        double cores =
            (framework.info().totalCpuDuration().orElseThrow().minus(before).toNanos())
                / (double) (System.nanoTime() - start);
        System.out.printf(
            "%s measure: page %s, nobody watching: %.3f cores (load %s)%n",
            line.id,
            enabled ? "on " : "off",
            cores,
            Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
      }
    }
  }

  /**
   * Has the probe set org.watchpost.web enabled as an operator would in Kura, and waits until it is
   * in force.
   */
  private static void switchPage(Path out, boolean enabled) throws Exception {
    Path answer = Path.of(out + ".switched");
    Files.deleteIfExists(answer);
    Files.writeString(Path.of(out + ".switch"), Boolean.toString(enabled));
    long deadline = System.currentTimeMillis() + 60_000;
    while (!Files.exists(answer) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertTrue(Files.exists(answer), "the probe switched the page " + (enabled ? "on" : "off"));
  }

  private static HttpRequest get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build();
  }

  private static HttpRequest login(String base, String password) {
    return HttpRequest.newBuilder(URI.create(base + "/watchpost/api/login"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(
            HttpRequest.BodyPublishers.ofString(
                "{\"user\":\"installer\",\"password\":\"" + password + "\"}"))
        .build();
  }

  /** The gateway's HTTPS keystore, as Kura's HttpsKeystore holds it: a key pair for 127.0.0.1. */
  private static Path gatewayKeystore(Path scratch) throws Exception {
    Path keystore = scratch.resolve("httpskeystore.p12");
    Files.deleteIfExists(keystore);
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p =
        new ProcessBuilder(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "localhost",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=kura-gateway",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                STORE_PASSWORD)
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool: " + output);
    return keystore;
  }

  /** A client that trusts the gateway's certificate and nothing else. */
  private static HttpClient trusting(Path keystore) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, STORE_PASSWORD.toCharArray());
    }
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("gateway", store.getCertificate("localhost"));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
  }

  /**
   * The line's framework with its web server and the probe, in a JVM of its own
   * (KuraCompatibilityIT's launcher).
   */
  private static Process start(KuraLine line, Path scratch, int port, Path keystore, Path out)
      throws Exception {
    Path frameworks = Path.of(System.getProperty("watchpost.kura.frameworks"));
    Path kuraBundles = Path.of(System.getProperty("watchpost.kura.bundles"));
    Path dp =
        only(
            Path.of(System.getProperty("watchpost.dist")),
            "watchpost-.*-" + line.id + "-linux-x86_64\\.dp");
    List<String> bundles = new ArrayList<>();
    for (Path dir : List.of(frameworks.resolve(line.id), frameworks.resolve(line.id + "-http"))) {
      try (Stream<Path> jars = Files.list(dir)) {
        jars.filter(p -> p.toString().endsWith(".jar"))
            .sorted()
            .forEach(p -> bundles.add(p.toString()));
      }
    }
    bundles.add(kuraBundles.resolve("kura-api-signatures.jar").toString());
    bundles.add(probeBundle(scratch).toString());

    Files.deleteIfExists(out);
    Files.deleteIfExists(Path.of(out + ".done"));
    Properties job = new Properties();
    job.setProperty("storage", scratch.resolve("framework").toString());
    job.setProperty("bundles", String.join(",", bundles));
    job.setProperty("out", out.toString());
    job.setProperty("timeout.ms", "420000");
    job.setProperty("watchpost.probe.out", out.toString());
    job.setProperty("watchpost.probe.dp", dp.toString());
    job.setProperty("watchpost.probe.data", scratch.resolve("data").toString());
    job.setProperty("watchpost.probe.manifest", TestModels.yoloxNanoManifest().toString());
    job.setProperty(
        "watchpost.probe.keys", SharedData.projectRoot().resolve("models/keys").toString());
    job.setProperty("watchpost.probe.video", SharedData.vtestMjpeg().toString());
    job.setProperty("watchpost.probe.https.port", Integer.toString(port));
    job.setProperty("watchpost.probe.keystore", keystore.toString());
    job.setProperty("watchpost.probe.keystore.password", STORE_PASSWORD);
    // Kura starts its Jetty instance itself (its HTTP server manager). The Jetty bundle, started
    // eagerly here,
    // also starts its default instance: without a connector, so it opens no port.
    job.setProperty("org.eclipse.equinox.http.jetty.http.enabled", "false");
    job.setProperty("ai.djl.offline", "true");
    job.setProperty("org.osgi.framework.bootdelegation", "sun.*");
    Path jobFile = scratch.resolve("job.properties");
    try (OutputStream o = Files.newOutputStream(jobFile)) {
      job.store(o, line.id);
    }
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    String classPath =
        frameworks.resolve(line.id + "-framework/org.eclipse.osgi.jar")
            + File.pathSeparator
            + jar(
                scratch.resolve("kura-launcher.jar"),
                plainManifest(),
                "org/watchpost/runtime/kuralaunch/");
    return new ProcessBuilder(
            java.toString(),
            "-cp",
            classPath,
            "-Xmx1g",
            "org.watchpost.runtime.kuralaunch.KuraLauncher",
            jobFile.toString())
        .directory(scratch.toFile())
        .redirectErrorStream(true)
        .redirectOutput(scratch.resolve("framework.log").toFile())
        .start();
  }

  private static Path only(Path dir, String regex) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> found = files.filter(p -> p.getFileName().toString().matches(regex)).toList();
      assertEquals(1, found.size(), regex + " in " + dir + ": " + found);
      return found.get(0);
    }
  }

  private static Manifest plainManifest() {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    return m;
  }

  /**
   * The probe's classes from the test classes, as a bundle wired to the framework's HTTP, CM and DA
   * APIs.
   */
  private static Path probeBundle(Path scratch) throws IOException {
    Manifest m = plainManifest();
    Attributes a = m.getMainAttributes();
    a.putValue("Bundle-ManifestVersion", "2");
    a.putValue("Bundle-SymbolicName", "org.watchpost.runtime.kurawebprobe");
    a.putValue("Bundle-Version", "1.0.0");
    a.putValue("Bundle-Activator", WebProbe.class.getName());
    a.putValue(
        "Import-Package",
        String.join(
            ",",
            "javax.servlet",
            "javax.servlet.http",
            "org.osgi.framework",
            "org.osgi.service.cm",
            "org.osgi.service.deploymentadmin",
            "org.osgi.service.http",
            "org.osgi.service.http.runtime",
            "org.osgi.service.http.runtime.dto",
            "org.osgi.dto",
            "org.osgi.service.metatype",
            "org.osgi.util.tracker"));
    return jar(
        scratch.resolve("kura-web-probe.jar"),
        m,
        "org/watchpost/runtime/kurawebprobe/",
        "org/watchpost/runtime/kuraseed/");
  }

  private static Path jar(Path target, Manifest manifest, String... packageDirs)
      throws IOException {
    Path classes;
    try {
      classes =
          Path.of(
              KuraInstallerPageIT.class
                  .getProtectionDomain()
                  .getCodeSource()
                  .getLocation()
                  .toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(target), manifest)) {
      for (String packageDir : packageDirs) {
        try (Stream<Path> files = Files.list(classes.resolve(packageDir))) {
          for (Path f : files.sorted().toList()) {
            jar.putNextEntry(new JarEntry(packageDir + f.getFileName()));
            Files.copy(f, jar);
            jar.closeEntry();
          }
        }
      }
    }
    return target;
  }
}
