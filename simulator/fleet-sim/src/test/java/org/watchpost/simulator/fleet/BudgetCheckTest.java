// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.SharedData;

/**
 * The report's budget check, per direction: what the device sends against its uplink budget, what
 * comes down against its downlink budget. The per-second ledgers are shaped as the model-delivery
 * runs' links were: a package filling the downlink while the device's own traffic stays small.
 */
class BudgetCheckTest {
  private static Scenario.Device device(String scenario) throws Exception {
    return Scenario.load(SharedData.projectRoot().resolve("simulator/scenarios").resolve(scenario))
        .devices()
        .get(0);
  }

  private static long[] steady(int seconds, long bytesPerSecond) {
    long[] ledger = new long[seconds];
    Arrays.fill(ledger, bytesPerSecond);
    return ledger;
  }

  @Test
  void aPackageComingDownAtTheDownlinkBudgetDoesNotTripTheUplinkBudget() throws Exception {
    // 2,400 bit/s up (300 B/s), 9,600 bit/s down (1,200 B/s).
    Scenario.Device asymmetric = device("model-delivery-2400-9600.json");
    Map<String, Object> check =
        ScenarioRunner.budgetCheck(asymmetric, steady(60, 120), steady(60, 1_200));
    assertEquals(true, check.get("within_budget"), check.toString());
    assertEquals(List.of(), check.get("over_budget"));
    assertEquals(1_200L, check.get("max_bytes_up_in_10s"));
    assertEquals(3_000L, check.get("budget_bytes_per_10s"));
    assertEquals(12_000L, check.get("max_bytes_down_in_10s"));
    assertEquals(12_000L, check.get("downlink_budget_bytes_per_10s"));
  }

  @Test
  void theReportSaysWhichDirectionExceeded() throws Exception {
    Scenario.Device asymmetric = device("model-delivery-2400-9600.json");
    long[] upBurst = steady(60, 120);
    upBurst[30] = 3_000;
    Map<String, Object> up = ScenarioRunner.budgetCheck(asymmetric, upBurst, steady(60, 1_000));
    assertEquals(false, up.get("within_budget"));
    assertEquals(List.of("uplink"), up.get("over_budget"));

    long[] downBurst = steady(60, 1_000);
    downBurst[40] = 5_000;
    Map<String, Object> down = ScenarioRunner.budgetCheck(asymmetric, steady(60, 120), downBurst);
    assertEquals(false, down.get("within_budget"));
    assertEquals(List.of("downlink"), down.get("over_budget"));
  }

  @Test
  void withoutItsOwnDownlinkBudgetARuntimeIsHeldToTheUplinksAndAnAgentOnlyUp() throws Exception {
    // A runtime's uplink, left without downlink.budget.bits.per.s, governs the downlink at the
    // uplink budget.
    Scenario.Device runtime = device("border-post.json");
    Map<String, Object> check =
        ScenarioRunner.budgetCheck(runtime, steady(30, 600), steady(30, 1_100));
    assertEquals(9_600L, check.get("downlink_budget_bits_per_s"));
    assertEquals(true, check.get("within_budget"), check.toString());
    Map<String, Object> over =
        ScenarioRunner.budgetCheck(runtime, steady(30, 600), steady(30, 1_300));
    assertEquals(List.of("downlink"), over.get("over_budget"));

    // An agent replays its uplink; nothing governs what comes down to it.
    Scenario.Device agent =
        new Scenario.Device(
            "post", "agent", 1, null, null, 9_600, "traces/border-post-vtest.jsonl", 0, null);
    Map<String, Object> agentCheck =
        ScenarioRunner.budgetCheck(agent, steady(30, 600), steady(30, 5_000));
    assertEquals(0L, agentCheck.get("downlink_budget_bits_per_s"));
    assertEquals(true, agentCheck.get("within_budget"), agentCheck.toString());
  }
}
