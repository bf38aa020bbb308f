// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.watchpost.testing.SharedData;

/**
 * The main job as a user runs it: {@code ./watchpost demo}, end to end, through the launcher
 * script.
 */
class DemoIT {

  @Test
  @Timeout(300)
  void theDemoRunsTheFirmwareOnVtestAndTheBrokerReceivesWhatItSends() throws Exception {
    Path scratch = SharedData.scratchDirectory("demo");
    Path summary = scratch.resolve("summary.json");
    Path log = scratch.resolve("demo.log");
    Path root = SharedData.projectRoot();
    Process demo =
        new ProcessBuilder(
                "bash",
                root.resolve("watchpost").toString(),
                "demo",
                "--max-frames",
                "200",
                "--faults",
                "black@8-16",
                "--summary",
                summary.toString())
            .directory(root.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertTrue(demo.waitFor(280, TimeUnit.SECONDS), "the demo ends");
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, demo.exitValue(), output);

    JsonObject result = JsonParser.parseString(Files.readString(summary)).getAsJsonObject();
    assertEquals(200, result.get("frames").getAsInt(), output);
    assertEquals(
        "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14",
        result.getAsJsonObject("model").get("sha256").getAsString());
    assertTrue(
        result.get("inferred_frames").getAsInt() > 0 && result.get("gated_frames").getAsInt() > 0,
        output);
    assertTrue(result.get("uplink_bytes").getAsLong() > 0, output);
    assertEquals(0, result.get("dropped").getAsInt());
    // The blackout from 8 s to 16 s of the clip is raised and cleared by camera health and reaches
    // the broker.
    String alarms = result.get("health_alarms").toString();
    assertTrue(alarms.contains("BLACK"), alarms);
    JsonObject broker = result.getAsJsonObject("broker");
    assertTrue(broker.has("birth") && broker.has("dc"), "BIRTH and DC reach the broker: " + broker);
    assertTrue(
        broker.has("health") && broker.has("counts"),
        "alarms and counts reach the broker: " + broker);
    // The broker monitor prints every publish it receives, decoded, as "HH:mm:ss.SSS health
    // <client>/<camera> t=...
    // state=BLACK raised=true ...": the alarm itself reaches the broker, raised and then cleared
    // (not just some
    // health report, and not the runtime's own log line).
    List<String> blackAtTheBroker =
        output
            .lines()
            .filter(line -> line.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} health .*"))
            .filter(line -> line.contains(" state=BLACK "))
            .toList();
    int raised = indexOf(blackAtTheBroker, " raised=true ");
    int cleared = indexOf(blackAtTheBroker, " raised=false ");
    assertTrue(raised >= 0, "BLACK raised at the broker: " + blackAtTheBroker + "\n" + output);
    assertTrue(
        cleared > raised, "BLACK cleared at the broker after it was raised: " + blackAtTheBroker);
    assertTrue(
        output.contains("rule=main-line"), "line counts are printed as they arrive: " + output);
    // What a first user reads: no library noise about a model directory or a GPU the box does not
    // have.
    assertFalse(output.contains("SimpleRepository"), output);
    assertFalse(output.contains("CUDA is not supported"), output);
  }

  private static int indexOf(List<String> lines, String fragment) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(fragment)) {
        return i;
      }
    }
    return -1;
  }
}
