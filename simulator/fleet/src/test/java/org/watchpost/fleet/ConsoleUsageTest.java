// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;

/**
 * What a new user meets first: a wrong flag is one line naming it and exit code 2 (never a stack
 * trace), and the console's last state is saved however it is closed (at the end of the command and
 * again by the shutdown hook).
 */
class ConsoleUsageTest {

  private record Run(int code, String out, String err) {}

  private static Run fleet(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream previousOut = System.out;
    PrintStream previousErr = System.err;
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = FleetCommand.commandLine().execute(args);
    } finally {
      System.setOut(previousOut);
      System.setErr(previousErr);
    }
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void assertOneLine(Run run, String mentions) {
    assertEquals(2, run.code(), "exit code 2 for a bad flag: " + run);
    List<String> lines = run.err().lines().filter(l -> !l.isBlank()).toList();
    assertEquals(1, lines.size(), "one line, no stack trace: " + run.err());
    assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), run.err());
    assertTrue(lines.get(0).contains(mentions), lines.get(0) + " names " + mentions);
  }

  @Test
  void badFlagsAreOneLineWithExitCode2() throws Exception {
    Path dir = SharedData.scratchDirectory("fleet-usage");
    Path pkg = dir.resolve("pkg.zip");
    Files.write(pkg, new byte[] {1, 2, 3});
    String[] base = {
      "rollout",
      "--broker",
      "tcp://127.0.0.1:1",
      "--all",
      "--package",
      pkg.toString(),
      "--console-key",
      dir.resolve("console.key").toString(),
      "--state",
      dir.resolve("state.json").toString()
    };
    // The combination a new user tries first: the whole fleet as the canary, with the default waves
    // after it.
    assertOneLine(fleet(concat(base, "--canary", "100%")), "--canary");
    assertOneLine(fleet(concat(base, "--halt-on-failure", "150%")), "--halt-on-failure");
    assertOneLine(fleet(concat(base, "--waves", "10%,ten")), "--waves");
    assertOneLine(fleet(concat(base, "--retry-delay", "5x")), "--retry-delay");
    assertOneLine(fleet(concat(base, "--timeout", "")), "--timeout");
    assertOneLine(fleet(concat(base, "--transport", "https")), "--url");
    assertOneLine(fleet(concat(base, "--transport", "carrier-pigeon")), "--transport");
    assertOneLine(fleet(concat(base, "--max-attempts", "0")), "--max-attempts");
    String[] missing = base.clone();
    missing[5] = dir.resolve("nope.zip").toString();
    assertOneLine(fleet(missing), "nope.zip");
    // picocli's own errors (an unknown option) are one line too, not the whole usage.
    assertOneLine(fleet(concat(base, "--canery", "1%")), "--canery");
    assertOneLine(fleet("status", "--broker", "tcp://127.0.0.1:1", "--listen", "soon"), "--listen");
  }

  @Test
  void aBrokerThatCannotBeReachedIsOneLineWithExitCode5() throws Exception {
    int port;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    for (String command : List.of("health", "status")) {
      Run run = fleet(command, "--broker", "tcp://127.0.0.1:" + port, "--listen", "1s");
      assertEquals(FleetCommand.EXIT_BROKER, run.code(), run.toString());
      List<String> lines = run.err().lines().filter(l -> !l.isBlank()).toList();
      assertEquals(1, lines.size(), "one line, no stack trace: " + run.err());
      assertTrue(
          lines.get(0).startsWith("fleet " + command + ": the broker refused or cannot be reached"),
          lines.get(0));
    }
  }

  @Test
  void theLastStateIsSavedAndASecondCloseIsQuiet() throws Exception {
    Path dir = SharedData.scratchDirectory("fleet-close");
    lastStateSaved(dir, dir.resolve("rollout.db").toString());
  }

  @Test
  void theLastStateIsSavedInPostgresql() throws Exception {
    Path dir = SharedData.scratchDirectory("fleet-close-pg");
    try (Postgres pg = Postgres.start(dir.resolve("pg"))) {
      lastStateSaved(dir, pg.jdbcUrl());
    }
  }

  private static void lastStateSaved(Path dir, String storeAt) throws Exception {
    Path pkg = dir.resolve("pkg.zip");
    Files.write(pkg, new byte[4096]);
    RolloutState plan = new RolloutState();
    plan.rolloutId = "close-test";
    plan.packageFile = pkg.toString();
    plan.packageSha256 = ModelPackage.sha256Of(pkg);
    plan.packageSize = 4096;
    plan.modelName = "m";
    plan.modelVersion = "2";
    plan.transport = "mqtt";
    plan.targets = List.of("*");
    plan.stages = List.of(1.0);
    plan.maxAttempts = 1;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream previousErr = System.err;
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        RolloutStore store = RolloutStore.open(storeAt)) {
      FleetConsole console =
          new FleetConsole(
              broker.url(),
              "fleet",
              "console-close",
              new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      console.printEvery(Duration.ZERO);
      console.connect(Duration.ofSeconds(10));
      console.rollout(plan, store);
      // The state changes right before the close: the change must reach the store.
      console.halt("stopped by the test");
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      console.close();
      // The shutdown hook closes again at exit.
      console.close();
    } finally {
      System.setErr(previousErr);
    }
    assertFalse(
        err.toString(StandardCharsets.UTF_8).contains("final save failed"),
        err.toString(StandardCharsets.UTF_8));
    try (RolloutStore store = RolloutStore.open(storeAt)) {
      RolloutState saved = store.load("close-test");
      assertTrue(
          saved.halted && saved.haltReason.equals("stopped by the test"),
          "the last state was saved: " + saved.haltReason);
    }
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
