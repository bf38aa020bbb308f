// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.watchpost.testing.SharedData;

/**
 * The distributions as a vendor receives them: each tarball carries only its platform's native
 * libraries, its launcher runs the runtime and finds the people on vtest (natively for x86_64;
 * aarch64 is proven under emulation by dist/prove.sh, too slow for the suite), and the deployment
 * package is what Kura's deployment admin reads.
 */
// Each case within 40 s on a 2-core host at load 30 (a tarball unpacked, its launcher run on
// vtest): a hang fails
// here, not at the suite's default of 10 minutes.
@Timeout(300)
class DistributionIT {
  private static final Map<String, List<String>> OWN_NATIVES =
      Map.of(
          "linux-x86_64",
              List.of(
                  "ai/onnxruntime/native/linux-x64/",
                  "nu/pattern/opencv/linux/x86_64/",
                  "org/sqlite/native/Linux/x86_64/"),
          "linux-aarch64",
              List.of(
                  "ai/onnxruntime/native/linux-aarch64/",
                  "nu/pattern/opencv/linux/ARMv8/",
                  "org/sqlite/native/Linux/aarch64/"));

  private static Path dist() {
    return Path.of(System.getProperty("watchpost.dist"));
  }

  private static Path only(String glob) throws IOException {
    try (Stream<Path> files = Files.list(dist())) {
      List<Path> matches = files.filter(p -> p.getFileName().toString().matches(glob)).toList();
      assertEquals(1, matches.size(), glob + " in " + dist());
      return matches.get(0);
    }
  }

  private static boolean isNative(String name) {
    return name.endsWith(".so")
        || name.endsWith(".dll")
        || name.endsWith(".dylib")
        || name.endsWith(".jnilib");
  }

  /** Native libraries inside the bundles inside a runnable jar. */
  private static List<String> nativesIn(InputStream jar) throws IOException {
    List<String> natives = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(jar)) {
      ZipEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        if (isNative(entry.getName())) {
          natives.add(entry.getName());
        } else if (entry.getName().endsWith(".jar")) {
          natives.addAll(nativesIn(new ByteArrayInputStream(in.readAllBytes())));
        }
      }
    }
    return natives;
  }

  @ParameterizedTest
  @ValueSource(strings = {"linux-x86_64", "linux-aarch64"})
  void eachTarballCarriesOnlyItsPlatformsNativesAndWhatAnInstallNeeds(String platform)
      throws Exception {
    Path tarball = only("watchpost-.*-" + platform + "\\.tar\\.gz");
    System.out.printf("%s: %.1f MB%n", tarball.getFileName(), Files.size(tarball) / 1e6);
    Path unpacked = SharedData.scratchDirectory("dist-" + platform);
    Process tar =
        new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", unpacked.toString())
            .inheritIO()
            .start();
    assertEquals(0, tar.waitFor());
    Path home;
    try (Stream<Path> dirs = Files.list(unpacked)) {
      home = dirs.findFirst().orElseThrow();
    }
    for (String file :
        List.of(
            "bin/watchpost",
            "lib/watchpost.jar",
            "etc/config.json",
            "systemd/watchpost.service",
            "models/fetch",
            "models/yolox-nano/manifest.json",
            "models/yolox-nano/labels.txt",
            "README.md",
            "PLATFORM")) {
      assertTrue(Files.exists(home.resolve(file)), file + " in " + tarball.getFileName());
    }
    assertTrue(Files.isExecutable(home.resolve("bin/watchpost")));
    assertTrue(Files.isExecutable(home.resolve("models/fetch")));
    assertFalse(
        Files.exists(home.resolve("models/yolox-nano/yolox_nano.onnx")),
        "weights are fetched, not shipped");
    List<String> natives;
    try (InputStream in = Files.newInputStream(home.resolve("lib/watchpost.jar"))) {
      natives = nativesIn(in);
    }
    for (String prefix : OWN_NATIVES.get(platform)) {
      assertTrue(
          natives.stream().anyMatch(n -> n.startsWith(prefix)),
          "natives under " + prefix + ": " + natives);
    }
    for (String n : natives) {
      assertTrue(
          OWN_NATIVES.get(platform).stream().anyMatch(n::startsWith),
          platform + " carries a foreign native " + n);
    }
  }

  @Test
  void theX8664DistributionsOwnLauncherFindsThePeopleOnVtest() throws Exception {
    Path tarball = only("watchpost-.*-linux-x86_64\\.tar\\.gz");
    SharedData.vtestMjpeg();
    Path script = SharedData.projectRoot().resolve("target-platform/dist/prove.sh");
    ProcessBuilder builder =
        new ProcessBuilder("bash", script.toString(), "linux-x86_64", tarball.toString())
            .redirectErrorStream(true);
    builder.environment().put("WATCHPOST_SHARED", SharedData.root().toString());
    builder.environment().put("TMPDIR", SharedData.scratchDirectory("prove").toString());
    Process prove = builder.start();
    prove.getOutputStream().close();
    String output = new String(prove.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, prove.waitFor(), output);
    assertTrue(output.contains("os.arch=amd64") && output.contains("PASSED"), output);
  }

  @Test
  void theDeploymentPackageOfEachKuraLineNamesEveryBundleItCarriesInOrder() throws Exception {
    for (String platform : OWN_NATIVES.keySet()) {
      for (KuraLine line : KuraLine.values()) {
        Path dp = only("watchpost-.*-" + line.id + "-" + platform + "\\.dp");
        System.out.printf("%s: %.1f MB%n", dp.getFileName(), Files.size(dp) / 1e6);
        List<String> carried = new ArrayList<>();
        try (JarInputStream in = new JarInputStream(Files.newInputStream(dp))) {
          Manifest manifest = in.getManifest();
          assertNotNull(manifest, "the manifest comes first");
          Attributes main = manifest.getMainAttributes();
          assertEquals("org.watchpost", main.getValue("DeploymentPackage-SymbolicName"));
          assertNotNull(main.getValue("DeploymentPackage-Version"));
          List<String> named = new ArrayList<>(manifest.getEntries().keySet());
          java.util.jar.JarEntry entry;
          while ((entry = in.getNextJarEntry()) != null) {
            carried.add(entry.getName());
            Attributes section = manifest.getAttributes(entry.getName());
            assertNotNull(section, entry.getName() + " has a Name section");
            Manifest bundle =
                new JarInputStream(new ByteArrayInputStream(in.readAllBytes())).getManifest();
            assertNotNull(bundle, entry.getName() + " is a bundle with its manifest first");
            Attributes own = bundle.getMainAttributes();
            String bsn = own.getValue("Bundle-SymbolicName").split(";")[0].trim();
            String version = own.getValue("Bundle-Version").trim();
            assertEquals(section.getValue("Bundle-SymbolicName"), bsn);
            assertEquals(section.getValue("Bundle-Version"), version);
            assertFalse(
                line.ships(bsn, version),
                dp.getFileName()
                    + " carries "
                    + bsn
                    + " "
                    + version
                    + ", which "
                    + line.id
                    + " already runs: Deployment Admin would refuse the package (460)");
          }
          assertEquals(named, carried, "bundles in manifest order");
        }
        // The uplink governs what goes to Kura's CloudPublisher: it travels with its outbox's
        // SQLite. The installer's
        // page goes in, served by Kura's own web server: no Felix HTTP Jetty (an
        // org.apache.felix.*), no servlet API.
        for (String bsn :
            List.of(
                "org.watchpost.api",
                "org.watchpost.pipeline",
                "org.watchpost.inference",
                "org.watchpost.kura",
                "org.watchpost.uplink",
                "org.xerial.sqlite-jdbc",
                "org.watchpost.web",
                "org.openpnp.opencv")) {
          assertTrue(
              carried.stream().anyMatch(n -> n.contains("/" + bsn + "-")), bsn + " in " + carried);
        }
        for (String bsn : List.of("org.apache.felix.", "jetty", "servlet", "watchpost.kura.api")) {
          assertTrue(
              carried.stream().noneMatch(n -> n.contains(bsn)),
              "no " + bsn + " on Kura: " + carried);
        }
      }
    }
  }
}
