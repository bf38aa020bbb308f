// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import org.watchpost.analytics.internal.rules.InvalidRuleException;
import org.watchpost.analytics.internal.rules.Point;
import org.watchpost.analytics.internal.rules.Rule;
import org.watchpost.analytics.internal.rules.RuleParser;

/**
 * Rule text comes from configuration files and remote configuration. Any text for the points,
 * schedule, type and class either makes a rule that holds its invariants or is rejected with
 * InvalidRuleException naming the rule; anything else is a finding. Runs for a bounded time in the
 * normal build.
 */
class RuleParserFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void anyRuleTextParsesToAValidRuleOrIsRejectedCleanly(
      @NotNull String type,
      @NotNull String points,
      @NotNull String schedule,
      @NotNull String cls,
      @NotNull String direction) {
    RuleParser.Input in =
        new RuleParser.Input(
            "fuzz",
            "*",
            type.isEmpty() ? "zone_intrusion" : type,
            points,
            new String[] {cls.isEmpty() ? "person" : cls},
            schedule,
            "UTC",
            10,
            2,
            5,
            direction,
            60,
            "");
    Rule rule;
    try {
      rule = RuleParser.parse(in);
    } catch (InvalidRuleException e) {
      if (!e.getMessage().startsWith("rule 'fuzz' rejected: ") || e.reason().isBlank()) {
        throw new AssertionError("rejection without rule id or reason: " + e.getMessage());
      }
      return;
    }
    var pts = rule.type().zone() ? rule.zone().points() : rule.line();
    for (Point p : pts) {
      if (!(p.x() >= 0 && p.x() <= 1 && p.y() >= 0 && p.y() <= 1)) {
        throw new AssertionError("point outside 0..1 accepted: " + p);
      }
    }
    if (rule.type().zone() && (pts.size() < 3 || rule.zone().firstCrossing() != null)) {
      throw new AssertionError("bad polygon accepted: " + pts);
    }
    rule.schedule().armed(0, rule.timeZone());
  }
}
