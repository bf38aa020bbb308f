// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * Watchpost's .dp inside frameworks shaped like each Eclipse Kura line: that line's Equinox and
 * Felix SCR, Apache Felix Deployment Admin 0.9.5 with Dependency Manager 3.0.0 as Kura ships them,
 * the library bundles the line runs at its versions, the Kura API signatures as Kura's API bundle,
 * and a probe bundle playing Kura's cloud service (a CloudPublisher and a RequestHandlerRegistry).
 * The .dp goes in through the real Deployment Admin; the camera runs the real detector on vtest.
 *
 * <p>Each framework runs in a JVM of its own (KuraLauncher), because a Kura line's Equinox is not
 * the test's.
 */
@Timeout(600)
class KuraCompatibilityIT {
  /**
   * The scratch directory is the framework's working directory: Kura's data and storage, and the
   * test's files.
   */
  private static final java.util.Set<String> OWN_FILES =
      java.util.Set.of(
          "data",
          "framework",
          "framework.log",
          "job.properties",
          "results.properties",
          "results.properties.done",
          "kura-probe.jar",
          "kura-launcher.jar");

  /**
   * The singleton PIDs Kura's configuration UI lists and its snapshots keep: all that Kura seeds
   * but the uplink's own MQTT session, the systemd notifier and the console sink, which stand down
   * inside Kura.
   */
  static final List<String> KURA_LISTED =
      List.of(
          "org.watchpost.analytics",
          "org.watchpost.capture",
          "org.watchpost.health.camera",
          "org.watchpost.health.device",
          "org.watchpost.inference",
          "org.watchpost.kura.cloud",
          "org.watchpost.models",
          "org.watchpost.opcua",
          "org.watchpost.web");

  @ParameterizedTest
  @EnumSource(KuraLine.class)
  void theDeploymentPackageInstallsAndRunsInsideKura(KuraLine line) throws Exception {
    Path scratch = SharedData.scratchDirectory("kura-it-" + line.id);
    Properties r = run(line, scratch, new Properties());
    System.out.printf("%s: %s%n", line.id, r);
    check(line, scratch, r);
  }

  /**
   * A vendor installs the .dp and configures nothing: Kura seeds every PID with its defaults.
   * Nothing may fail, open a port or write outside Kura's data directory; the only component
   * waiting is the cloud adapter, for the CloudPublisher an operator has to choose (Kura's
   * convention, target "changeme"), and the detector is DOWN with its line until the model is
   * placed under ${kura.data}/watchpost/models/.
   */
  @ParameterizedTest
  @EnumSource(KuraLine.class)
  void onKurasSeededDefaultsAloneNothingFailsOrOpensAPort(KuraLine line) throws Exception {
    Path scratch = SharedData.scratchDirectory("kura-defaults-it-" + line.id);
    Properties extra = new Properties();
    extra.setProperty("watchpost.probe.defaults.only", "true");
    Properties r = run(line, scratch, extra);
    String log = " (" + scratch.resolve("framework.log") + ")";
    assertNull(r.getProperty("probe.error"), "probe failed: " + r + log);
    assertEquals("", r.getProperty("dp.install.error"), log);
    assertEquals("", r.getProperty("bundles.not.active"), log);
    assertEquals("", r.getProperty("seeding.errors"), r.toString());
    assertTrue(r.getProperty("seeded.pids").contains("org.watchpost.opcua"), r.toString());
    assertTrue(
        r.getProperty("components.problems")
            .matches("org\\.watchpost\\.kura\\.internal\\.KuraCloudComponent state 2"),
        "only the cloud adapter waits, for its CloudPublisher: " + r);
    for (String component :
        List.of(
            "DetectorComponent",
            "ModelManagerComponent",
            "DeviceHealthComponent",
            "WebComponent")) {
      assertTrue(
          r.getProperty("components.active").contains(component), component + " active: " + r);
    }
    String frameworkLog = Files.readString(scratch.resolve("framework.log"));
    assertTrue(frameworkLog.contains("detector DOWN"), "the detector says why it is down" + log);
    assertTrue(frameworkLog.contains("OPC UA server standing down"), log);
    assertEquals(
        "[]", r.getProperty("listening.ports"), "no port opened on Kura's defaults: " + r + log);
    // Kura's UI and snapshots: every Watchpost PID that acts inside Kura, and the camera and rule
    // the operator
    // added there (createFactoryConfiguration), each carried by a ConfigurableComponent whose OCD
    // Kura finds; a
    // change made as Kura's UI makes it (updateConfiguration) reaches the running rule and
    // detector.
    java.util.TreeSet<String> listed = new java.util.TreeSet<>(KURA_LISTED);
    listed.addAll(List.of("north-gate", "gate-zone"));
    assertEquals(
        String.join(",", listed),
        r.getProperty("configurables"),
        "in Kura's configuration UI: " + r + log);
    assertEquals("", r.getProperty("configurables.problems"), r.toString());
    assertNull(r.getProperty("update.error"), r.toString());
    assertEquals(
        "0.2,0.2 0.6,0.2 0.6,0.6",
        r.getProperty("update.rule.points"),
        "the rule's zone, changed in Kura's UI: " + r);
    assertEquals(
        "0.55",
        r.getProperty("update.detector.threshold"),
        "the detector's threshold, changed in Kura's UI: " + r);
    List<String> outside = new ArrayList<>();
    try (Stream<Path> files = Files.list(scratch)) {
      files
          .map(f -> f.getFileName().toString())
          .filter(f -> !OWN_FILES.contains(f))
          .sorted()
          .forEach(outside::add);
    }
    assertEquals(List.of(), outside, "written outside ${kura.data} (" + scratch + ")");
  }

  /**
   * Runs the line's framework with the probe (job properties in extra on top) and returns the
   * probe's results.
   */
  static Properties run(KuraLine line, Path scratch, Properties extra) throws Exception {
    Path frameworks = Path.of(System.getProperty("watchpost.kura.frameworks"));
    Path kuraBundles = Path.of(System.getProperty("watchpost.kura.bundles"));
    Path dp =
        only(
            Path.of(System.getProperty("watchpost.dist")),
            "watchpost-.*-" + line.id + "-linux-x86_64\\.dp");

    List<String> bundles = new ArrayList<>();
    try (Stream<Path> jars = Files.list(frameworks.resolve(line.id))) {
      jars.filter(p -> p.toString().endsWith(".jar"))
          .sorted()
          .forEach(p -> bundles.add(p.toString()));
    }
    bundles.add(kuraBundles.resolve("kura-api-signatures.jar").toString());
    bundles.add(probeBundle(scratch).toString());

    Path out = scratch.resolve("results.properties");
    Files.deleteIfExists(out);
    Files.deleteIfExists(Path.of(out + ".done"));
    Properties job = new Properties();
    job.putAll(extra);
    job.setProperty("storage", scratch.resolve("framework").toString());
    job.setProperty("bundles", String.join(",", bundles));
    job.setProperty("out", out.toString());
    job.setProperty("timeout.ms", extra.getProperty("timeout.ms", "420000"));
    job.setProperty("watchpost.probe.out", out.toString());
    job.setProperty("watchpost.probe.dp", dp.toString());
    job.setProperty("watchpost.probe.data", scratch.resolve("data").toString());
    // Kura always sets its data directory; Watchpost's relative paths go under data/watchpost/.
    job.setProperty("kura.data", scratch.resolve("data").toString());
    job.setProperty("watchpost.probe.manifest", TestModels.yoloxNanoManifest().toString());
    job.setProperty(
        "watchpost.probe.keys", SharedData.projectRoot().resolve("models/keys").toString());
    job.setProperty("watchpost.probe.video", SharedData.vtestMjpeg().toString());
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
            + launcherJar(scratch);
    Process process =
        new ProcessBuilder(
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
    assertTrue(
        process.waitFor(480, TimeUnit.SECONDS),
        "the framework ended; log " + scratch.resolve("framework.log"));
    Properties r = new Properties();
    try (InputStream in = Files.newInputStream(out)) {
      r.load(in);
    }
    return r;
  }

  static void check(KuraLine line, Path scratch, Properties r) throws IOException {
    String log = " (" + scratch.resolve("framework.log") + ")";

    assertNull(r.getProperty("probe.error"), "probe failed: " + r + log);
    assertEquals("", r.getProperty("dp.install.error"), "Deployment Admin installed the .dp" + log);
    assertTrue(
        r.getProperty("dp.bundles").contains("org.watchpost.kura:"), r.getProperty("dp.bundles"));
    assertEquals("", r.getProperty("bundles.not.active"), "every bundle ACTIVE" + log);
    // As Kura's ConfigurationService does: every non-factory PID of every Watchpost bundle's
    // Metatype gets a
    // configuration with its defaults, configured by the operator or not; the operator's factory
    // instances are
    // completed with theirs. Everything so configured is below either satisfied or standing down.
    assertEquals("", r.getProperty("seeding.errors"), r.toString());
    assertEquals(
        "org.watchpost.analytics,org.watchpost.capture,org.watchpost.console,org.watchpost.health.camera,"
            + "org.watchpost.health.device,org.watchpost.inference,org.watchpost.kura.cloud,org.watchpost.models,"
            + "org.watchpost.opcua,org.watchpost.systemd,org.watchpost.uplink,org.watchpost.web",
        r.getProperty("seeded.pids"),
        r.toString());
    assertEquals(
        "org.watchpost.analytics.rule,org.watchpost.camera",
        r.getProperty("seeded.factory.pids"),
        r.toString());
    assertEquals(
        "", r.getProperty("components.problems"), "every configured component satisfied" + log);
    for (String component :
        List.of("KuraCloudComponent", "CameraPipelineComponent", "ModelManagerComponent")) {
      assertTrue(
          r.getProperty("components.active").contains(component), component + " active: " + r);
    }
    assertTrue(
        r.getProperty("registry.ids").contains("MODEL-V1"), "MODEL-V1 registered with Kura: " + r);
    assertTrue(
        r.getProperty("registry.ids").contains("HEALTH-V1"),
        "HEALTH-V1 registered with Kura: " + r);
    java.util.TreeSet<String> listed = new java.util.TreeSet<>(KURA_LISTED);
    listed.addAll(
        List.of(
            "org.watchpost.camera~kura",
            "org.watchpost.analytics.rule~main-line",
            "org.watchpost.analytics.rule~lawn"));
    assertEquals(
        String.join(",", listed),
        r.getProperty("configurables"),
        "in Kura's configuration UI: " + r + log);
    assertEquals("", r.getProperty("configurables.problems"), r.toString());

    assertTrue(
        Long.parseLong(r.getProperty("messages.events")) >= 1,
        "vtest events reached the publisher: " + r + log);
    assertEquals("cam-kura", r.getProperty("event.camera"), r.toString());
    assertEquals("[camera, kind]", r.getProperty("event.properties"), "app.topic properties: " + r);
    assertEquals("person", r.getProperty("event.class"), r.toString());
    assertTrue(List.of("lawn", "main-line").contains(r.getProperty("event.rule")), r.toString());
    assertEquals("true", r.getProperty("event.timestamped"), r.toString());
    assertTrue(
        r.getProperty("event.metrics").contains("conf")
            && r.getProperty("event.metrics").contains("type"),
        r.toString());

    assertTrue(
        Files.readString(scratch.resolve("framework.log")).contains("the framework is Kura's"),
        "StopOnSignal leaves Kura's framework alone" + log);
    // What Kura's seeding would have started and a vendor did not ask for stands down, with its
    // line (once per
    // activation: systemd's OPTIONAL component activates before the seeding and again with it).
    String frameworkLog = Files.readString(scratch.resolve("framework.log"));
    for (String standDown :
        List.of(
            "this uplink opens no MQTT session of its own",
            "OPC UA server standing down",
            "console sink standing down",
            "systemd: standing down")) {
      assertTrue(frameworkLog.contains(standDown), standDown + log);
    }
    // Seeded defaults open nothing: this framework has no web server of Kura's, so no port at all
    // (the OPC UA
    // server's 4840 was the one before it stood down), and nothing is written outside Kura's data
    // directory.
    assertEquals("[]", r.getProperty("listening.ports"), "no port opened inside Kura: " + r + log);
    List<String> outside = new ArrayList<>();
    try (Stream<Path> files = Files.list(scratch)) {
      files
          .map(f -> f.getFileName().toString())
          .filter(f -> !OWN_FILES.contains(f))
          .sorted()
          .forEach(outside::add);
    }
    assertEquals(List.of(), outside, "written outside ${kura.data} (" + scratch + ")");

    assertNull(r.getProperty("model.reply.error"), "MODEL-V1 GET models answered: " + r);
    assertEquals("yolox-nano", r.getProperty("model.reply.active"), r.toString());
    assertTrue(r.getProperty("model.reply.metrics").contains("state"), r.toString());
  }

  private static Path only(Path dir, String regex) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> found = files.filter(p -> p.getFileName().toString().matches(regex)).toList();
      assertEquals(1, found.size(), regex + " in " + dir + ": " + found);
      return found.get(0);
    }
  }

  private static Path testClasses() {
    try {
      return Path.of(
          KuraCompatibilityIT.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The probe's classes from the test classes, as a bundle wired to the framework's Kura, CM, SCR
   * and DA APIs.
   */
  private static Path probeBundle(Path scratch) throws IOException {
    Manifest m = new Manifest();
    Attributes a = m.getMainAttributes();
    a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    a.putValue("Bundle-ManifestVersion", "2");
    a.putValue("Bundle-SymbolicName", "org.watchpost.runtime.kuraprobe");
    a.putValue("Bundle-Version", "1.0.0");
    a.putValue("Bundle-Activator", "org.watchpost.runtime.kuraprobe.Probe");
    a.putValue(
        "Import-Package",
        String.join(
            ",",
            "org.eclipse.kura",
            "org.eclipse.kura.message",
            "org.eclipse.kura.cloudconnection.listener",
            "org.eclipse.kura.cloudconnection.message",
            "org.eclipse.kura.cloudconnection.publisher",
            "org.eclipse.kura.cloudconnection.request",
            "org.osgi.framework",
            "org.osgi.service.cm",
            "org.osgi.service.component.runtime",
            "org.osgi.service.component.runtime.dto",
            "org.osgi.service.deploymentadmin",
            "org.osgi.service.metatype",
            "org.osgi.util.tracker"));
    return jar(
        scratch.resolve("kura-probe.jar"),
        m,
        "org/watchpost/runtime/kuraprobe/",
        "org/watchpost/runtime/kuraseed/");
  }

  private static Path launcherJar(Path scratch) throws IOException {
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    return jar(scratch.resolve("kura-launcher.jar"), m, "org/watchpost/runtime/kuralaunch/");
  }

  private static Path jar(Path target, Manifest manifest, String... packageDirs)
      throws IOException {
    Path classes = testClasses();
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
