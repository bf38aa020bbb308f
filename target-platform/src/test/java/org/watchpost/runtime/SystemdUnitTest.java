// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The systemd unit and the launcher of the distribution: restart, watchdog, out-of-memory and
 * hardening settings.
 */
class SystemdUnitTest {
  private static final Path DIST = Path.of("dist").toAbsolutePath();

  @Test
  void theUnitNotifiesFeedsAWatchdogRestartsAndIsHardenedAndSystemdAcceptsIt() throws Exception {
    Map<String, String> service =
        section(Files.readAllLines(DIST.resolve("watchpost.service")), "[Service]");
    assertEquals("notify", service.get("Type"));
    assertEquals("all", service.get("NotifyAccess"), "systemd-notify is a child of the JVM");
    assertTrue(
        Integer.parseInt(service.get("WatchdogSec")) > 60,
        "longer than the pipeline's stuck limit: " + service);
    assertEquals("always", service.get("Restart"));
    assertEquals("0077", service.get("UMask"));
    assertTrue(
        service.get("Environment").contains("-XX:+ExitOnOutOfMemoryError"),
        service.get("Environment"));
    for (String key :
        List.of(
            "NoNewPrivileges",
            "PrivateTmp",
            "ProtectHome",
            "ProtectKernelTunables",
            "RestrictSUIDSGID")) {
      assertEquals("true", service.get(key), key);
    }
    assertEquals("full", service.get("ProtectSystem"));
    assertEquals("/opt/watchpost/var", service.get("ReadWritePaths"));

    Path analyze = Path.of("/usr/bin/systemd-analyze");
    Assumptions.assumeTrue(Files.isExecutable(analyze), "systemd-analyze not installed");
    Path root = scratch("unit");
    Path launcher = root.resolve("bin/watchpost");
    Files.createDirectories(launcher.getParent());
    Files.writeString(launcher, "#!/bin/sh\n");
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path unit = root.resolve("watchpost.service");
    Files.writeString(
        unit,
        Files.readString(DIST.resolve("watchpost.service"))
            .replace("/opt/watchpost", root.toString()));
    Process verify =
        new ProcessBuilder(analyze.toString(), "verify", unit.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
    // A system without a 'watchpost' user may say so; anything else is a mistake in the unit.
    String problems =
        output
            .lines()
            .filter(l -> !l.contains("watchpost") || l.contains("watchpost.service:"))
            .filter(l -> !l.isBlank())
            .reduce("", (a, b) -> a + b + "\n");
    assertEquals(0, verify.exitValue(), output);
    assertEquals("", problems, output);
  }

  @Test
  void theLauncherAlwaysRunsTheJvmWithExitOnOutOfMemoryError() throws Exception {
    Path home = scratch("launcher");
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("etc"));
    Files.copy(DIST.resolve("watchpost"), home.resolve("bin/watchpost"));
    Files.setPosixFilePermissions(
        home.resolve("bin/watchpost"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.copy(DIST.resolve("config.json"), home.resolve("etc/config.json"));
    Path args = home.resolve("java-args");
    Path java = home.resolve("java");
    Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + args + "'\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    ProcessBuilder builder =
        new ProcessBuilder(home.resolve("bin/watchpost").toString()).redirectErrorStream(true);
    builder.environment().put("WATCHPOST_JAVA", java.toString());
    builder.environment().put("WATCHPOST_JAVA_OPTS", "-Xmx100m");
    Process run = builder.start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(run.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, run.exitValue(), output);
    List<String> argv = Files.readAllLines(args);
    assertTrue(
        argv.contains("-XX:+ExitOnOutOfMemoryError") && argv.contains("-Xmx100m"), argv.toString());
  }

  /**
   * Issue 19: the heap is capped for a small box, not the JVM's quarter of RAM, and glibc keeps two
   * arenas.
   */
  @Test
  void theLauncherAndTheUnitCapTheHeapAndTheMallocArenas() throws Exception {
    Path home = scratch("heap");
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("etc"));
    Files.copy(DIST.resolve("watchpost"), home.resolve("bin/watchpost"));
    Files.setPosixFilePermissions(
        home.resolve("bin/watchpost"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.copy(DIST.resolve("config.json"), home.resolve("etc/config.json"));
    Path args = home.resolve("java-args");
    Path java = home.resolve("java");
    Files.writeString(
        java,
        "#!/bin/sh\nprintf '%s\\n' \"MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX\" \"$@\" > '"
            + args
            + "'\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    ProcessBuilder builder =
        new ProcessBuilder(home.resolve("bin/watchpost").toString()).redirectErrorStream(true);
    builder.environment().put("WATCHPOST_JAVA", java.toString());
    builder.environment().remove("WATCHPOST_JAVA_OPTS");
    builder.environment().remove("WATCHPOST_HEAP");
    builder.environment().remove("MALLOC_ARENA_MAX");
    Process run = builder.start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(run.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, run.exitValue(), output);
    List<String> argv = Files.readAllLines(args);
    assertTrue(argv.contains("-Xmx192m") && argv.contains("MALLOC_ARENA_MAX=2"), argv.toString());

    // An operator's own options come after the default, so that theirs win.
    builder.environment().put("WATCHPOST_JAVA_OPTS", "-Xmx300m");
    Process again = builder.start();
    again.getInputStream().readAllBytes();
    assertTrue(again.waitFor(30, TimeUnit.SECONDS));
    argv = Files.readAllLines(args);
    assertTrue(argv.indexOf("-Xmx300m") > argv.indexOf("-Xmx192m"), argv.toString());

    List<String> unit = Files.readAllLines(DIST.resolve("watchpost.service"));
    String environment =
        unit.stream().filter(l -> l.startsWith("Environment=")).reduce("", String::concat);
    assertTrue(
        environment.contains("WATCHPOST_HEAP=192m") && environment.contains("MALLOC_ARENA_MAX=2"),
        environment);
    assertTrue(
        unit.stream().anyMatch(l -> l.startsWith("MemoryMax=")), "a ceiling for the whole service");
  }

  /**
   * Issue 19: both launchers load the native libraries from var/natives (extracted once) and give
   * the JVM var/tmp as its temporary directory, emptied at every start, so that nothing a killed
   * JVM left there piles up.
   */
  @Test
  void theLaunchersExtractNativesOnceToVarAndEmptyTheirOwnTemporaryDirectoryAtStart()
      throws Exception {
    Path home = scratch("natives-dist");
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("etc"));
    Files.copy(DIST.resolve("watchpost"), home.resolve("bin/watchpost"));
    Files.setPosixFilePermissions(
        home.resolve("bin/watchpost"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.copy(DIST.resolve("config.json"), home.resolve("etc/config.json"));
    Path java = fakeJava(home.resolve("jdk"));
    ProcessBuilder dist =
        new ProcessBuilder(home.resolve("bin/watchpost").toString()).redirectErrorStream(true);
    dist.environment().put("WATCHPOST_JAVA", java.toString());
    assertStartsWithItsOwnDirectories(dist, home);

    // ./watchpost run in a copy of the repository's layout, with the jars it would otherwise build.
    Path root = scratch("natives-repo");
    Files.copy(Path.of("..", "watchpost"), root.resolve("watchpost"));
    Files.setPosixFilePermissions(
        root.resolve("watchpost"), PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String jar :
        List.of("target-platform/target/watchpost.jar", "simulator/cli/target/watchpost-cli.jar")) {
      Files.createDirectories(root.resolve(jar).getParent());
      Files.writeString(root.resolve(jar), "");
    }
    Files.copy(DIST.resolve("config.json"), root.resolve("config.json"));
    fakeJava(root.resolve("jdk"));
    ProcessBuilder repo =
        new ProcessBuilder(root.resolve("watchpost").toString(), "run", "--config", "config.json")
            .directory(root.toFile())
            .redirectErrorStream(true);
    repo.environment().put("JAVA_HOME", root.resolve("jdk").toString());
    repo.environment().remove("WATCHPOST_NATIVES");
    assertStartsWithItsOwnDirectories(repo, root);
  }

  private static void assertStartsWithItsOwnDirectories(ProcessBuilder launcher, Path home)
      throws Exception {
    Path stale = home.resolve("var/tmp/opencv_openpnp123/libopencv_java490.so");
    Files.createDirectories(stale.getParent());
    Files.writeString(stale, "left by a killed JVM");
    Process run = launcher.start();
    String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(run.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, run.exitValue(), output);
    List<String> argv = Files.readAllLines(home.resolve("jdk/java-args"));
    Path natives = home.resolve("var/natives");
    assertTrue(argv.contains("-Dwatchpost.natives.dir=" + natives), argv.toString());
    assertTrue(
        argv.contains("-Djava.library.path=" + natives), "OpenCV's loader finds it there: " + argv);
    assertTrue(argv.contains("-Djava.io.tmpdir=" + home.resolve("var/tmp")), argv.toString());
    assertTrue(
        argv.indexOf("-Djava.io.tmpdir=" + home.resolve("var/tmp")) < argv.indexOf("-jar"),
        argv.toString());
    assertTrue(
        Files.isDirectory(home.resolve("var/tmp")) && !Files.exists(stale),
        "var/tmp emptied at start");
  }

  /** A java that records its arguments in java-args beside it. */
  private static Path fakeJava(Path jdk) throws IOException {
    Path java = jdk.resolve("bin/java");
    Files.createDirectories(java.getParent());
    Files.writeString(
        java, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + jdk.resolve("java-args") + "'\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return java;
  }

  private static Map<String, String> section(List<String> lines, String name) {
    Map<String, String> keys = new LinkedHashMap<>();
    boolean inside = false;
    for (String line : lines) {
      String l = line.strip();
      if (l.startsWith("[")) {
        inside = l.equals(name);
      } else if (inside && !l.startsWith("#") && l.contains("=")) {
        keys.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
      }
    }
    return keys;
  }

  private static Path scratch(String name) throws IOException {
    Path dir = Path.of("target", "test-scratch", name + "-" + System.nanoTime()).toAbsolutePath();
    Files.createDirectories(dir);
    return dir;
  }
}
