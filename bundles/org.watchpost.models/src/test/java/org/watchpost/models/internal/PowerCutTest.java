// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TinyOnnx;

/**
 * Power cuts: a device in a child JVM fetches packages over HTTPS and activates them, and is killed
 * (kill -9) at 32 moments: 24 at random times during transfer, validation, activation and
 * probation, 8 at named points of the slot and pointer updates (the child halts itself there).
 * After every restart it runs a complete, verified model, the one the pointer file names, and a
 * transfer it had begun resumes at or after the offset it had committed. At the end a last run
 * completes without interruption.
 */
class PowerCutTest {
  private static final int KILLS = 32;
  private static final String[] POINTS = {
    "slot-unpacked",
    "slot-emptied",
    "slot-installed",
    "pointer-written",
    "activated",
    "chunk-forced",
    "state-written",
    "slot-installed"
  };

  private record Target(String version, Path pkg, String sha, long size) {}

  private record Run(List<String> lines, CountDownLatch started, CompletableFuture<Void> ended) {}

  @Test
  void aCrashAtAnyPointLeavesAVerifiedModelAndTheTransferResumes() throws Exception {
    Path dir = SharedData.scratchDirectory("models-powercut");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    List<Target> targets = new ArrayList<>();
    Random random = new Random(32);
    for (int v = 2; v <= 13; v++) {
      String version = v + ".0.0";
      float[] weights = TinyOnnx.onePerson();
      // Each version its own weights, as a retrained model would have.
      weights[20 * TinyOnnx.ROW_LENGTH + 6] = v / 100f;
      Path manifest = Fixtures.tinyModel(dir.resolve("v" + v), version, weights);
      byte[] padding = new byte[2 << 20];
      random.nextBytes(padding);
      Files.write(dir.resolve("v" + v + "/calibration.bin"), padding);
      Path pkg = dir.resolve("v" + v + ".zip");
      new PackageBuilder(manifest)
          .file("calibration.bin", dir.resolve("v" + v + "/calibration.bin"))
          .build(pkg, key.getPrivate(), key.getPublic());
      targets.add(new Target(version, pkg, ModelPackage.sha256Of(pkg), Files.size(pkg)));
    }
    Path state = dir.resolve("state");
    int targetIndex = 0;
    long committed = -1;
    String committedFor = null;
    int resumedMidway = 0;
    int activations = 0;
    int pointsHit = 0;
    try (PackageServer server =
        new PackageServer(dir.resolve("https"), targets.get(0).pkg(), 5L << 19)) {
      for (int kill = 0; kill <= KILLS; kill++) {
        Target target = targets.get(targetIndex);
        server.serve(target.pkg());
        boolean last = kill == KILLS;
        String point = !last && kill % 4 == 3 ? POINTS[(kill / 4) % POINTS.length] : null;
        Process child =
            start(
                state,
                factory,
                dir.resolve("keys"),
                server,
                target,
                point,
                dir.resolve("child-" + kill + ".log"));
        Run run = read(child);
        assertTrue(
            run.started().await(60, TimeUnit.SECONDS),
            "child " + kill + " started: " + run.lines());
        if (last) {
          assertTrue(child.waitFor(90, TimeUnit.SECONDS), "the last run completes: " + run.lines());
        } else if (point == null) {
          Thread.sleep(100 + random.nextInt(1_200));
          child.destroyForcibly();
        } else if (child.waitFor(6, TimeUnit.SECONDS)) {
          // It halted itself at the point.
          pointsHit++;
        } else {
          // The point did not come within the time (nothing to install): a kill at a random moment
          // instead.
          child.destroyForcibly();
        }
        child.waitFor(30, TimeUnit.SECONDS);
        run.ended().get(10, TimeUnit.SECONDS);
        List<String> lines = run.lines();
        String active =
            lines.stream().filter(l -> l.startsWith("ACTIVE ")).findFirst().orElse(null);
        if (active == null) {
          // It halted at the point before it could report (a crash during its own recovery): the
          // next run checks.
          assertTrue(point != null, "run " + kill + " reported what it runs: " + lines);
          System.out.printf("power cut %2d (%s): during recovery%n", kill, point);
          continue;
        }
        assertTrue(
            active.endsWith("CONSISTENT") && !active.contains("INCONSISTENT"),
            "run " + kill + ": " + active);
        long resume =
            Long.parseLong(
                lines.stream()
                    .filter(l -> l.startsWith("RESUME "))
                    .findFirst()
                    .orElseThrow()
                    .substring(7));
        if (resume >= 0 && target.version().equals(committedFor) && committed > 0) {
          assertTrue(
              resume >= committed,
              "run " + kill + " resumed at " + resume + ", " + committed + " had been committed");
          resumedMidway++;
        }
        String version = active.split(" ")[1];
        for (String line : lines) {
          if (line.startsWith("OFFSET ")) {
            committed = Long.parseLong(line.substring(7));
            committedFor = target.version();
          }
        }
        if (version.equals(target.version())
            || lines.stream().anyMatch(l -> l.startsWith("DONE"))) {
          activations++;
          if (targetIndex < targets.size() - 1 && !last) {
            targetIndex++;
            committed = -1;
            committedFor = null;
          }
        }
        System.out.printf(
            "power cut %2d (%s): %s, resumed at %d, %s%n",
            kill,
            point == null ? "kill -9" : point,
            active,
            resume,
            lines.stream().filter(l -> l.startsWith("DONE")).findFirst().orElse(""));
        if (last) {
          assertTrue(
              lines.stream().anyMatch(l -> l.equals("DONE CONSISTENT")),
              "the last run kept its target: " + lines);
        }
      }
    }
    System.out.printf(
        "power cuts: %d kills (%d at named points), %d restarts resumed a transfer midway, "
            + "%d packages activated%n",
        KILLS, pointsHit, resumedMidway, activations);
    assertTrue(pointsHit >= 5, "the named points were reached: " + pointsHit);
    assertTrue(resumedMidway >= 3, "transfers were cut and resumed: " + resumedMidway);
    assertTrue(activations >= 2, "packages got through between the cuts: " + activations);
  }

  private static Process start(
      Path state,
      Path factory,
      Path keys,
      PackageServer server,
      Target target,
      String point,
      Path log)
      throws Exception {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                classpath,
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-Dai.djl.offline=true",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
    if (point != null) {
      command.add("-Dwatchpost.models.crash_at=" + point);
    }
    command.addAll(
        List.of(
            PowerCutChild.class.getName(),
            state.toString(),
            factory.toString(),
            keys.toString(),
            server.url(),
            target.sha(),
            Long.toString(target.size()),
            server.caFile().toString(),
            target.version()));
    return new ProcessBuilder(command).redirectError(log.toFile()).start();
  }

  private static Run read(Process child) {
    Run run =
        new Run(
            new java.util.concurrent.CopyOnWriteArrayList<>(),
            new CountDownLatch(1),
            new CompletableFuture<>());
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  run.lines().add(line);
                  if (line.startsWith("RESUME ")) {
                    run.started().countDown();
                  }
                }
              } catch (Exception e) {
                // killed mid-line: what was read counts
              }
              run.started().countDown();
              run.ended().complete(null);
            },
            "child-reader");
    reader.setDaemon(true);
    reader.start();
    return run;
  }
}
