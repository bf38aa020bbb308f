// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import org.watchpost.analytics.internal.rules.InvalidRuleException;
import org.watchpost.analytics.internal.rules.Rule;
import org.watchpost.analytics.internal.rules.RuleParser;

/** Rule inputs for tests, with the {@code RuleConfig} defaults. */
final class Rules {
  private Rules() {}

  static RuleParser.Input input(String id, String type, String points) {
    return new RuleParser.Input(
        id, "*", type, points, new String[] {"person"}, "always", "UTC", 30, 5, 60, "both", 60, "");
  }

  static RuleParser.Input with(
      RuleParser.Input in,
      String schedule,
      double dwellS,
      int minCount,
      double cooldownS,
      String direction,
      String... classes) {
    return new RuleParser.Input(
        in.ruleId(),
        in.cameraId(),
        in.type(),
        in.points(),
        classes.length == 0 ? in.classes() : classes,
        schedule,
        in.timeZone(),
        dwellS,
        minCount,
        cooldownS,
        direction,
        in.countIntervalS(),
        in.priority());
  }

  static Rule parse(RuleParser.Input in) {
    try {
      return RuleParser.parse(in);
    } catch (InvalidRuleException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }
}
