// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.analytics.internal.rules.Rule;
import org.watchpost.analytics.internal.rules.RuleEngine;
import org.watchpost.analytics.internal.rules.RuleParser;
import org.watchpost.analytics.internal.rules.TrackSnapshot;
import org.watchpost.analytics.internal.track.Box;
import org.watchpost.testing.Configs;

/** Bad rules are rejected with their id and the reason; the good ones beside them stay in force. */
class RuleValidationTest {

  private static void assertRejected(RuleBook book, String id, String reasonPart) {
    String reason = book.rejected().get(id);
    assertTrue(reason != null, id + " should be rejected: " + book.rejected());
    assertTrue(
        reason.contains(reasonPart), id + ": '" + reason + "' should say '" + reasonPart + "'");
  }

  @Test
  void eachKindOfBadInputIsRejectedWithTheRuleIdAndReasonAndTheOthersKeepWorking() {
    List<RuleParser.Input> inputs =
        List.of(
            Rules.input("bow-tie", "zone_intrusion", "0.1,0.1 0.9,0.9 0.9,0.1 0.1,0.9"),
            Rules.input("two-points", "zone_intrusion", "0.1,0.1 0.9,0.9"),
            Rules.input("dot-line", "line_crossing", "0.5,0.5 0.5,0.5"),
            Rules.input("outside", "zone_intrusion", "0.1,0.1 1.2,0.1 0.5,0.8"),
            Rules.input("negative", "line_crossing", "-0.1,0.5 0.5,0.5"),
            Rules.with(
                Rules.input("cats", "zone_intrusion", "0.1,0.1 0.9,0.1 0.5,0.8"),
                "always",
                30,
                5,
                60,
                "both",
                "cat"),
            Rules.input("three-point-line", "line_crossing", "0.1,0.1 0.5,0.5 0.9,0.1"),
            Rules.input("not-numbers", "zone_intrusion", "a,b c,d e,f"),
            Rules.input("bad-type", "teleport", "0.1,0.1 0.9,0.1 0.5,0.8"),
            Rules.with(
                Rules.input("bad-schedule", "zone_intrusion", "0.1,0.1 0.9,0.1 0.5,0.8"),
                "Mon 25:00-26:00",
                30,
                5,
                60,
                "both"),
            Rules.with(
                Rules.input("bad-direction", "line_crossing", "0.1,0.5 0.9,0.5"),
                "always",
                30,
                5,
                60,
                "sideways"),
            Rules.input("bad id!", "zone_intrusion", "0.1,0.1 0.9,0.1 0.5,0.8"),
            Rules.input("main-line", "line_crossing", "0.5,0.0 0.5,1.0"),
            Rules.input("yard", "zone_intrusion", "0.1,0.1 0.9,0.1 0.5,0.8"));
    RuleBook book = AnalyticsComponent.build(inputs);
    assertRejected(book, "bow-tie", "intersects itself");
    assertRejected(book, "two-points", "at least 3 points");
    assertRejected(book, "dot-line", "repeats");
    assertRejected(book, "outside", "outside 0..1");
    assertRejected(book, "negative", "outside 0..1");
    assertRejected(book, "cats", "unknown class 'cat'");
    assertRejected(book, "three-point-line", "exactly 2 points");
    assertRejected(book, "not-numbers", "not a number");
    assertRejected(book, "bad-type", "unknown type 'teleport'");
    assertRejected(book, "bad-schedule", "out of range");
    assertRejected(book, "bad-direction", "direction");
    assertRejected(book, "bad id!", "rule_id");
    assertEquals(12, book.rejected().size(), book.rejected().toString());
    assertEquals(List.of("main-line", "yard"), book.rules().stream().map(Rule::id).toList());

    RuleEngine engine = new RuleEngine("cam");
    engine.rules(book.rules());
    long t = 1_000_000;
    int events = 0;
    for (double x = 0.3; x <= 0.7; x += 0.02) {
      float px = (float) (x * 1000);
      TrackSnapshot walker =
          new TrackSnapshot(
              1, "person", 0.9f, new Box(px - 20, 300, px + 20, 400), t, true, false, true);
      events += engine.evaluate(List.of(walker), t += 100, 1000, 1000).events().size();
    }
    assertEquals(
        Map.of("person.out", 1L, "events", 2L),
        Map.of(
            "person.out",
            engine.totals().get("main-line").get("person.out"),
            "events",
            (long) events),
        "the good rules beside the bad ones count and raise (one crossing, one intrusion)");
  }

  @Test
  void aZeroLengthLineDrawnWithDistinctTextIsStillRejected() {
    RuleBook book =
        AnalyticsComponent.build(
            List.of(Rules.input("tiny", "line_crossing", "0.5,0.5 0.5000001,0.5")));
    assertRejected(book, "tiny", "zero length");
  }

  @Test
  void twoRulesWithOneIdOnOneCameraKeepTheFirst() {
    RuleBook book =
        AnalyticsComponent.build(
            List.of(
                Rules.input("dup", "line_crossing", "0.1,0.5 0.9,0.5"),
                Rules.input("dup", "zone_intrusion", "0.1,0.1 0.9,0.1 0.5,0.8")));
    assertEquals(1, book.rules().size());
    assertRejected(book, "dup", "same id");
  }

  @Test
  void aNamedFactoryConfigurationWithoutRuleIdTakesItsNameAndMetatypeDefaultsParse() {
    RuleConfig config =
        Configs.with(
            RuleConfig.class, Map.of("type", "line_crossing", "points", "0.2,0.5 0.8,0.5"));
    RuleParser.Input input = RuleComponent.input(config, RuleConfig.PID + "~main-line");
    RuleBook book = AnalyticsComponent.build(List.of(input));
    assertEquals("main-line", book.rules().get(0).id(), book.rejected().toString());
  }
}
