// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.watchpost.simulator.link.LinkProfile;
import org.watchpost.testing.SharedData;

class ScenarioTest {
  private static Path scenarios() {
    return SharedData.projectRoot().resolve("simulator/scenarios");
  }

  @Test
  void theShippedScenariosReadAndTheirProfilesApply() throws Exception {
    Scenario border = Scenario.load(scenarios().resolve("border-post.json"));
    assertEquals(3600, border.durationS());
    Scenario.Device box = border.devices().get(0);
    assertEquals(4, box.cameras().size());
    assertEquals(9_600, box.budgetBitsPerS());
    LinkProfile link = Scenario.linkProfile(box.link());
    assertEquals(1200, link.outages().get(0).seconds(), "a 20-minute outage");
    Scenario shortened = border.withProfile("short");
    assertEquals(1200, shortened.durationS());
    assertEquals("shift@12-24", shortened.devices().get(0).cameras().get(0).faults());
    Scenario city = Scenario.load(scenarios().resolve("city-junction.json"));
    assertEquals(41, city.expanded().size());
    assertTrue(city.expanded().containsKey("junction-north-20"));
    Trace trace = Trace.load(scenarios().resolve(city.devices().get(1).trace()));
    assertTrue(
        trace.entries().stream().anyMatch(e -> e.kind().equals("events")),
        "the trace carries events");
  }

  @Test
  void theModelDeliveryScenariosCarryTheirRolloutAndAnAsymmetricLink() throws Exception {
    Scenario thin =
        Scenario.load(scenarios().resolve("model-delivery-2400-9600.json")).withProfile("short");
    Scenario.Device box = thin.devices().get(0);
    assertEquals(2_400, box.budgetBitsPerS());
    assertEquals(9_600, box.downlinkBudgetBitsPerS());
    LinkProfile link = Scenario.linkProfile(box.link());
    assertEquals(2_400, link.bitsPerSecond(true));
    assertEquals(9_600, link.bitsPerSecond(false));
    assertEquals(
        new Scenario.Rollout(60, "0.1.2", 60, 3900), box.rollout(), "a profile keeps the rollout");
    assertEquals(box.rollout(), box.withCount(2).rollout());
    Scenario symmetric = Scenario.load(scenarios().resolve("model-delivery-9600.json"));
    assertEquals(
        9_600, Scenario.linkProfile(symmetric.devices().get(0).link()).bitsPerSecond(true));
    IOException agentRollout =
        assertThrows(
            IOException.class,
            () ->
                Scenario.parse(
                    "{\"name\":\"x\",\"duration_s\":10,"
                        + "\"devices\":[{\"id\":\"a\",\"kind\":\"agent\",\"trace\":\"t.jsonl\",\"rollout\":{\"at_s\":1,"
                        + "\"version\":\"0.1.2\",\"max_s\":5}}]}",
                    "r.json"));
    assertTrue(
        agentRollout.getMessage().contains("only a runtime takes a rollout"),
        agentRollout.getMessage());
    IOException badVersion =
        assertThrows(
            IOException.class,
            () ->
                Scenario.parse(
                    "{\"name\":\"x\",\"duration_s\":10,"
                        + "\"devices\":[{\"id\":\"d\",\"cameras\":[{\"id\":\"c\",\"clip\":\"v.avi\"}],\"rollout\":{\"at_s\":1,"
                        + "\"version\":\"../x\",\"max_s\":5}}]}",
                    "v.json"));
    assertTrue(badVersion.getMessage().contains("a version like 0.1.2"), badVersion.getMessage());
  }

  @Test
  void badScenariosAreRefusedNamingWhatIsWrong() {
    IOException noDevices =
        assertThrows(
            IOException.class,
            () -> Scenario.parse("{\"name\":\"x\",\"duration_s\":10,\"devices\":[]}", "a.json"));
    assertTrue(noDevices.getMessage().contains("no devices"), noDevices.getMessage());
    IOException badFault =
        assertThrows(
            IOException.class,
            () ->
                Scenario.parse(
                    "{\"name\":\"x\",\"duration_s\":10,\"devices\":"
                        + "[{\"id\":\"d\",\"cameras\":[{\"id\":\"c\",\"clip\":\"v.avi\",\"faults\":\"melt@1-2\"}]}]}",
                    "b.json"));
    assertTrue(badFault.getMessage().contains("unknown fault 'melt'"), badFault.getMessage());
    IOException notJson =
        assertThrows(IOException.class, () -> Scenario.parse("{\"name\": [", "c.json"));
    assertTrue(notJson.getMessage().contains("c.json"), notJson.getMessage());
    IOException badTrace =
        assertThrows(IOException.class, () -> Trace.parse(List.of("{\"t\":1}"), "t.jsonl"));
    assertTrue(
        badTrace.getMessage().contains("line 1") && badTrace.getMessage().contains("missing m"),
        badTrace.getMessage());
  }
}
