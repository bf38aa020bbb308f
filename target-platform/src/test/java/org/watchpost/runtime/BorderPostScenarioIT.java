// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.watchpost.simulator.fleet.Scenario;
import org.watchpost.simulator.fleet.ScenarioRunner;
import org.watchpost.testing.SharedData;

/**
 * The border post scenario's short profile on the real runtime jar: one box with four cameras on
 * vtest with faults, 9,600 bit/s, a cut of 500 scenario seconds, at 20 times real time on the link.
 * Nothing the device produced is lost, it stays within its budget in every 10 s window, and every
 * injected fault reaches the centre as an alarm of the right state.
 */
class BorderPostScenarioIT {

  // 73-90 s on a 2-core host at load 12-30: a hang fails here, not at the suite's default of 10
  // minutes.
  @Test
  @Timeout(360)
  @SuppressWarnings("unchecked")
  void theShortBorderPostLosesNothingStaysWithinBudgetAndReportsEveryFault() throws Exception {
    Path root = SharedData.projectRoot();
    SharedData.yoloxNano();
    Process fetch =
        new ProcessBuilder("bash", root.resolve("models/fetch").toString(), "yolox-nano")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    fetch.getOutputStream().close();
    assertEquals(0, fetch.waitFor(), "models/fetch puts the model in place");
    Scenario scenario =
        Scenario.load(root.resolve("simulator/scenarios/border-post.json")).withProfile("short");
    Path work = SharedData.scratchDirectory("border-post");
    ScenarioRunner.Options options =
        ScenarioRunner.Options.of(
                work, root, Path.of(System.getProperty("watchpost.runtime.jar")), SharedData.root())
            .withViewPort(-1);
    Map<String, Object> report = ScenarioRunner.run(scenario, options);

    Map<String, Object> device =
        ((Map<String, Map<String, Object>>) report.get("devices")).get("border-post");
    assertEquals(0L, report.get("lost"), "lost: " + device);
    assertEquals(
        true,
        device.get("within_budget"),
        "max bytes in 10 s "
            + device.get("max_bytes_in_10s")
            + " against "
            + device.get("budget_bytes_per_10s"));
    for (Map<String, Object> fault : (List<Map<String, Object>>) device.get("faults")) {
      assertEquals(
          true,
          fault.get("reported"),
          "fault reported at the centre: " + fault + "; alarms " + device.get("health_alarms"));
    }
    assertTrue(
        ((Number) device.get("events_delivered")).longValue() > 0, "events arrived: " + device);
    assertEquals(
        1L,
        ((Number) ((Map<String, Object>) device.get("link")).get("cuts")).longValue(),
        "the link was cut once");
    assertEquals(
        0L,
        ((Number) device.get("dc_outbox_depth")).longValue(),
        "the device drained its outbox before DC");
    assertEquals("yolox-nano 0.1.1", device.get("model"));
  }
}
