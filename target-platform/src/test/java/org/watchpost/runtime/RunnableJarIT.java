// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * The exported runnable jar, as {@code ./watchpost run} starts it, stopped the way systemd stops
 * it.
 */
class RunnableJarIT {

  @Test
  @Timeout(180)
  void sigtermDeactivatesEveryComponentAndClosesTheSources() throws Exception {
    Path scratch = SharedData.scratchDirectory("runnable-jar");
    Path config = scratch.resolve("config.json");
    // An H.264 file played in real time and looped: an ffmpeg child that would run for ever.
    Files.writeString(
        config,
        """
        {
          ":configurator:resource-version": 1,
          ":configurator:symbolic-name": "watchpost.sigterm",
          ":configurator:version": "1.0.0",
          "org.watchpost.inference": { "model.manifest": "%s" },
          "org.watchpost.models": { "state.dir": "%s" },
          "org.watchpost.camera~gate": { "camera.id": "gate", "source": "%s", "realtime": true, "loop": true,
                                         "print.detections": true, "analytics.cardinality.minimum": 1 }
        }
        """
            .formatted(
                TestModels.yoloxNanoManifest(), scratch.resolve("models"), SharedData.vtestH264()));
    Process runtime =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dconfigurator.initial=" + config.toUri(),
                "-Dorg.osgi.framework.storage=" + scratch.resolve("framework"),
                "-jar",
                System.getProperty("watchpost.runtime.jar"))
            .redirectErrorStream(true)
            .start();
    List<String> output = new CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(runtime.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  output.add(line);
                }
              } catch (java.io.IOException e) {
                // the process ended
              }
            });
    reader.start();
    long deadline = System.currentTimeMillis() + 120_000;
    while (output.stream().filter(l -> l.startsWith("gate frame ")).count() < 3
        && System.currentTimeMillis() < deadline) {
      assertTrue(runtime.isAlive(), "runtime exited early: " + String.join("\n", output));
      Thread.sleep(100);
    }
    assertTrue(
        output.stream().filter(l -> l.startsWith("gate frame ")).count() >= 3,
        "detections flow: " + String.join("\n", output));
    List<ProcessHandle> decoders =
        runtime
            .descendants()
            .filter(p -> p.info().command().orElse("").contains("ffmpeg"))
            .toList();
    assertFalse(
        decoders.isEmpty(),
        "an ffmpeg child decodes the H.264 source: "
            + runtime
                .descendants()
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .toList());

    // SIGTERM through the handle: Process.destroy() would also close our ends of its pipes, and the
    // runtime would lose its last words to EPIPE.
    runtime.toHandle().destroy();
    assertTrue(runtime.waitFor(60, TimeUnit.SECONDS), "the runtime stops after SIGTERM");
    reader.join(5_000);
    String log = String.join("\n", output);
    assertTrue(log.contains("camera gate stopped; source closed"), log);
    assertTrue(log.contains("capture stopped; all sources closed"), log);
    assertTrue(log.contains("detector stopped"), log);
    for (ProcessHandle decoder : decoders) {
      decoder.onExit().get(10, TimeUnit.SECONDS);
      assertFalse(decoder.isAlive(), "ffmpeg child " + decoder.pid() + " is gone");
    }
  }
}
