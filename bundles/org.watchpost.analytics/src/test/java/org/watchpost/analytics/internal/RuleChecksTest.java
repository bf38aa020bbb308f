// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.analytics.internal.rules.RuleParser;

/**
 * The installer's page checks a rule before saving it with the very code that checks it in force.
 */
class RuleChecksTest {

  private static RuleSource source(String pid, Map<String, Object> properties) {
    RuleParser.Input input = RuleComponent.input(RuleChecks.config(properties), pid);
    return new RuleSource() {
      @Override
      public String pid() {
        return pid;
      }

      @Override
      public RuleParser.Input input() {
        return input;
      }
    };
  }

  @Test
  void aValidRuleHasNoProblemAndDefaultsComeFromTheMetatype() {
    Map<String, Object> lawn =
        Map.of(
            "camera.id",
            "gate",
            "type",
            "zone_intrusion",
            "points",
            "0.0,0.47 0.30,0.50 0.55,0.62 0.85,0.80 0.85,1.0 0.0,1.0",
            "classes",
            new String[] {"person"},
            "cooldown.s",
            5.0,
            "min.count",
            3);
    assertNull(RuleChecks.problem("lawn", lawn, List.of()));
    RuleConfig config = RuleChecks.config(Map.of());
    assertEquals("always", config.schedule());
    assertEquals(60, config.cooldown_s());
    assertEquals("*", config.camera_id());
  }

  @Test
  void aBadRuleIsRefusedWithTheReasonTheAnalyticsGive() {
    Map<String, Object> line =
        Map.of("camera.id", "gate", "type", "line_crossing", "points", "0.1,0.1 0.5,0.5 0.9,0.9");
    String problem = RuleChecks.problem("path", line, List.of());
    String inForce =
        AnalyticsComponent.build(List.of(source(RuleConfig.PID + "~path", line).input()))
            .rejected()
            .get("path");
    assertEquals(inForce, problem);
    assertTrue(problem.contains("2"), problem);
    assertTrue(
        RuleChecks.problem("x", Map.of("type", "teleport", "points", "0,0 1,0 1,1"), List.of())
            .contains("type"));
    assertTrue(RuleChecks.problem("x", Map.of("dwell.s", "soon"), List.of()).contains("dwell.s"));
  }

  @Test
  void aRuleWhoseIdClashesWithAnotherOfTheCameraIsRefused() {
    Map<String, Object> zone =
        Map.of("camera.id", "gate", "type", "zone_intrusion", "points", "0,0 1,0 1,1");
    RuleSource other =
        source(
            RuleConfig.PID + "~first",
            Map.of(
                "rule.id",
                "lawn",
                "camera.id",
                "*",
                "type",
                "zone_intrusion",
                "points",
                "0,0 1,0 1,1"));
    assertTrue(RuleChecks.problem("lawn", zone, List.of(other)).contains("same id"));
    assertNull(
        RuleChecks.problem(
            "first",
            Map.of(
                "rule.id",
                "lawn",
                "camera.id",
                "gate",
                "type",
                "zone_intrusion",
                "points",
                "0,0 1,0 0,1"),
            List.of(other)),
        "the rule being edited does not clash with itself");
  }
}
