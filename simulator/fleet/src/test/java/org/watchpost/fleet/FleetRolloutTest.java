// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.fleet.DeviceRecord.Phase;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.packaging.SigningKeys;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;
import org.watchpost.testing.TinyOnnx;
import picocli.CommandLine;

/**
 * The rollout console against a real Mosquitto and simulated devices that are the real device
 * bundles (detector, uplink, model manager): canary, then waves; a device that joins later still
 * gets the package; the console is stopped and resumed from its state file; a transient failure is
 * retried, a device that keeps failing is reported after its bounded attempts; a failing set halts
 * the rollout at the threshold.
 */
class FleetRolloutTest {
  private static final List<String> PLATFORMS = List.of("linux-x86_64", "linux-aarch64");

  private record Fleet(
      Path dir, Path keys, Path factory, Path pkg, Mosquitto broker, List<SimulatedDevice> devices)
      implements AutoCloseable {
    SimulatedDevice add(String id, String platform, int failingLoads) {
      SimulatedDevice d =
          new SimulatedDevice(
              id, dir.resolve(id), broker.url(), factory, keys, platform, failingLoads);
      devices.add(d);
      return d;
    }

    @Override
    public void close() {
      devices.forEach(SimulatedDevice::close);
      broker.close();
    }
  }

  private static Fleet fleet(String name) throws Exception {
    Path dir = SharedData.scratchDirectory(name);
    KeyPair key = SigningKeys.generate();
    Path keys = dir.resolve("keys");
    Files.createDirectories(keys);
    Files.writeString(keys.resolve("fleet.pub"), SigningKeys.publicPem(key.getPublic()));
    ConsoleKeys.make(keys);
    Path factory =
        TestModels.tinyYolox(
            dir.resolve("factory"),
            "tiny-yolox",
            "1.0.0",
            TinyOnnx.model(TinyOnnx.onePerson()),
            PLATFORMS);
    Path v2 =
        TestModels.tinyYolox(
            dir.resolve("v2"),
            "tiny-yolox",
            "2.0.0",
            TinyOnnx.model(TinyOnnx.onePerson()),
            PLATFORMS);
    Path pkg = dir.resolve("tiny-yolox-2.0.0.zip");
    new PackageBuilder(v2).build(pkg, key.getPrivate(), key.getPublic());
    return new Fleet(
        dir, keys, factory, pkg, Mosquitto.start(dir.resolve("broker")), new ArrayList<>());
  }

  private static RolloutState plan(
      Fleet fleet, List<String> targets, List<Double> stages, double halt) throws Exception {
    RolloutState s = new RolloutState();
    s.rolloutId = "tiny-yolox-2.0.0";
    s.packageFile = fleet.pkg().toString();
    s.packageSha256 = ModelPackage.sha256Of(fleet.pkg());
    s.packageSize = Files.size(fleet.pkg());
    s.modelName = "tiny-yolox";
    s.modelVersion = "2.0.0";
    s.transport = "mqtt";
    s.targets = targets;
    s.stages = stages;
    s.haltOnFailure = halt;
    s.maxAttempts = 3;
    s.retryDelayMillis = 200;
    s.attemptTimeoutMillis = 20_000;
    return s;
  }

  @Test
  void canaryThenWavesReachEveryDeviceIncludingLateJoinersAcrossAConsoleRestart() throws Exception {
    try (Fleet fleet = fleet("fleet-waves")) {
      for (int i = 1; i <= 6; i++) {
        // cam-03 cannot load the model the first time (a transient failure): its second attempt
        // succeeds.
        fleet.add("cam-0" + i, "linux-x86_64", i == 3 ? 1 : 0);
      }
      // cam-09 fails every time: reported after its bounded attempts, below the halt threshold.
      fleet.add("cam-09", "linux-x86_64", 100);
      Path stateFile = fleet.dir().resolve("rollout.db");
      RolloutState plan = plan(fleet, List.of("cam-*"), List.of(0.01, 0.5, 1.0), 0.3);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
      try (FleetConsole console =
          ConsoleKeys.signing(
              new FleetConsole(fleet.broker().url(), "fleet", "console-1", out), fleet.keys())) {
        console.printEvery(Duration.ZERO);
        console.connect(Duration.ofSeconds(10));
        awaitDevices(console, 7);
        console.rollout(plan, stateFile);
        // Stop the console once the canary has passed and the next wave started.
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline && console.state().stage < 1) {
          Thread.sleep(50);
        }
        RolloutState mid = console.state();
        assertEquals(1, mid.stage, "the canary stage passed");
        assertEquals(
            1,
            mid.devices.values().stream().filter(d -> d.stage == 0).count(),
            "one canary (1% of 7, at least one)");
      }
      RolloutState saved = kept(stateFile);
      assertTrue(saved.stage >= 1, "the state file kept the stage");
      // A device joins while the console is down; it is included once the console is back.
      fleet.add("cam-07", "linux-x86_64", 0);
      try (FleetConsole console =
          ConsoleKeys.signing(
              new FleetConsole(fleet.broker().url(), "fleet", "console-1", out), fleet.keys())) {
        console.printEvery(Duration.ZERO);
        console.connect(Duration.ofSeconds(10));
        console.rollout(saved, stateFile);
        // And one more joins while the last wave runs.
        Thread.sleep(300);
        fleet.add("cam-08", "linux-x86_64", 0);
        assertTrue(console.await(Duration.ofSeconds(90)), "the rollout finished:\n" + log);
        RolloutState done = console.state();
        System.out.print(log);
        assertTrue(!done.halted, done.haltReason);
        Map<String, DeviceRecord> devices = done.devices;
        assertEquals(9, devices.size(), devices.keySet().toString());
        for (SimulatedDevice d : fleet.devices()) {
          DeviceRecord r = devices.get(d.clientId);
          if (d.clientId.equals("cam-09")) {
            assertEquals(Phase.FAILED, r.phase);
            assertEquals(3, r.attempts, "bounded: three attempts");
            assertEquals("load_failed", r.reason);
            assertEquals("1.0.0", d.activeVersion(), "a failed device keeps its model");
          } else {
            assertEquals(Phase.DONE, r.phase, d.clientId + " " + r.reason + " " + r.message);
            assertEquals("2.0.0", d.activeVersion(), d.clientId);
          }
        }
        assertEquals(2, devices.get("cam-03").attempts, "the transient failure was retried once");
        assertTrue(
            devices.get("cam-07").stage >= 1 && devices.get("cam-08").stage >= 1,
            "late joiners got it");
        assertTrue(
            log.toString().contains("cam-03: attempt 1 of 3 failed (load_failed"), log.toString());
      }
    }
  }

  @Test
  void aListedDeviceNotYetHeardFromHoldsAOneStageRolloutOpenUntilItGetsThePackage()
      throws Exception {
    // On a thin link the device's answer to discovery takes seconds: the rollout must wait for it,
    // not finish empty.
    try (Fleet fleet = fleet("fleet-unseen")) {
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
      try (FleetConsole console =
          ConsoleKeys.signing(
              new FleetConsole(fleet.broker().url(), "fleet", "console-1", out), fleet.keys())) {
        console.printEvery(Duration.ZERO);
        console.connect(Duration.ofSeconds(10));
        console.rollout(
            plan(fleet, List.of("cam-01"), List.of(1.0), 0.5), fleet.dir().resolve("rollout.db"));
        assertTrue(
            !console.await(Duration.ofSeconds(2)),
            "finished before its only device was heard from:\n" + log);
        assertEquals(Phase.WAITING, console.state().devices.get("cam-01").phase);
        SimulatedDevice device = fleet.add("cam-01", "linux-x86_64", 0);
        assertTrue(console.await(Duration.ofSeconds(60)), "the rollout finished:\n" + log);
        assertEquals(Phase.DONE, console.state().devices.get("cam-01").phase, log.toString());
        assertEquals("2.0.0", device.activeVersion());
      }
    }
  }

  @Test
  void aFailingSetHaltsTheRolloutAtTheThreshold() throws Exception {
    try (Fleet fleet = fleet("fleet-halt")) {
      for (int i = 1; i <= 8; i++) {
        // Two devices of the second wave are of another platform: the package cannot be installed
        // there.
        fleet.add("cam-0" + i, i == 2 || i == 3 ? "linux-armv7" : "linux-x86_64", 0);
      }
      Path stateFile = fleet.dir().resolve("rollout.db");
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      PrintStream previous = System.out;
      int code;
      try {
        System.setOut(new PrintStream(log, true, StandardCharsets.UTF_8));
        code =
            new CommandLine(new FleetCommand())
                .execute(
                    "rollout",
                    "--broker",
                    fleet.broker().url(),
                    "--account",
                    "fleet",
                    "--package",
                    fleet.pkg().toString(),
                    "--match",
                    "cam-*",
                    "--canary",
                    "1%",
                    "--waves",
                    "50%,100%",
                    "--halt-on-failure",
                    "20%",
                    "--state",
                    stateFile.toString(),
                    "--retry-delay",
                    "200ms",
                    "--attempt-timeout",
                    "20s",
                    "--timeout",
                    "60s",
                    "--print-every",
                    "0",
                    "--console-key",
                    ConsoleKeys.dirFor(fleet.keys()).resolve("console.key").toString());
      } finally {
        System.setOut(previous);
      }
      System.out.print(log);
      assertEquals(4, code, "exit code 4: halted\n" + log);
      RolloutState state = kept(stateFile);
      assertTrue(
          state.halted && state.haltReason.contains("past the threshold of 20.0%"),
          state.haltReason);
      assertEquals(Phase.FAILED, state.devices.get("cam-02").phase);
      assertEquals("wrong_platform", state.devices.get("cam-02").reason);
      assertEquals(
          1, state.devices.get("cam-02").attempts, "a package for another platform is not retried");
      long notStarted = state.devices.values().stream().filter(d -> d.stage < 0).count();
      assertEquals(4, notStarted, "the last wave never started");
      for (SimulatedDevice d : fleet.devices()) {
        DeviceRecord r = state.devices.get(d.clientId);
        assertEquals(r.phase == Phase.DONE ? "2.0.0" : "1.0.0", d.activeVersion(), d.clientId);
      }
      assertTrue(log.toString().contains("HALTED"), log.toString());
    }
  }

  /** The last rollout kept in the store, as a resumed console reads it. */
  private static RolloutState kept(Path store) throws Exception {
    try (RolloutStore s = RolloutStore.open(store.toString())) {
      return s.load(s.latest());
    }
  }

  private static void awaitDevices(FleetConsole console, int n) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      if (console.devices().stream().filter(d -> d.online).count() >= n) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "the console saw " + console.devices().size() + " devices, expected " + n);
  }
}
