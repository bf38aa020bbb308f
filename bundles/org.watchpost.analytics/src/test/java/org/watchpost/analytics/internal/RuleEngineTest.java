// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.analytics.internal.incident.IncidentGrouper;
import org.watchpost.analytics.internal.rules.RuleEngine;
import org.watchpost.analytics.internal.rules.TrackSnapshot;
import org.watchpost.analytics.internal.track.Box;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;

/**
 * Known answers for every rule type on synthetic tracks in a 1000x1000 frame (so pixels read as
 * thousandths): a track is a 40x100 box whose bottom centre (where the object stands) is given.
 */
class RuleEngineTest {
  private static final int W = 1000;
  private static final int H = 1000;

  /** Wednesday 2026-11-25 12:00 UTC. */
  private static final long NOON =
      ZonedDateTime.of(2026, 11, 25, 12, 0, 0, 0, ZoneOffset.UTC).toInstant().toEpochMilli();

  private static final String SQUARE = "0.4,0.4 0.6,0.4 0.6,0.6 0.4,0.6";

  private static TrackSnapshot at(long id, String label, double x, double y) {
    return track(id, label, x, y, true, false);
  }

  private static TrackSnapshot track(
      long id, String label, double x, double y, boolean moved, boolean stationary) {
    float px = (float) (x * W);
    float py = (float) (y * H);
    return new TrackSnapshot(
        id, label, 0.8f, new Box(px - 20, py - 100, px + 20, py), NOON, moved, stationary, true);
  }

  private static RuleEngine engine(RuleParserInputs... rules) {
    RuleEngine engine = new RuleEngine("cam");
    engine.rules(java.util.Arrays.stream(rules).map(r -> Rules.parse(r.input())).toList());
    return engine;
  }

  private record RuleParserInputs(org.watchpost.analytics.internal.rules.RuleParser.Input input) {}

  private static RuleParserInputs rule(org.watchpost.analytics.internal.rules.RuleParser.Input in) {
    return new RuleParserInputs(in);
  }

  private static List<Event> step(RuleEngine engine, long t, TrackSnapshot... tracks) {
    return engine.evaluate(List.of(tracks), t, W, H).events();
  }

  @Test
  void intrusionRaisesOneEventPerTrackWhileItStaysAndAgainOnlyAfterLeavingAndTheCooldown() {
    RuleEngine e =
        engine(
            rule(
                Rules.with(
                    Rules.input("yard", "zone_intrusion", SQUARE), "always", 30, 5, 10, "both")));
    assertEquals(0, step(e, NOON, at(1, "person", 0.3, 0.5)).size(), "outside");
    List<Event> entered = step(e, NOON + 100, at(1, "person", 0.45, 0.5));
    assertEquals(1, entered.size());
    Event ev = entered.get(0);
    assertEquals("intrusion", ev.type());
    assertEquals("yard", ev.ruleId());
    assertEquals("cam", ev.cameraId());
    assertEquals("person", ev.className());
    assertEquals(1, ev.trackId());
    assertEquals(Priority.ALARM, ev.priority());
    assertEquals(NOON + 100, ev.eventTimeMillis());
    assertEquals(NOON, ev.firstSeenMillis());
    assertEquals(0.43f, ev.box().x(), 1e-4);
    assertEquals(0.4f, ev.box().y(), 1e-4);
    assertEquals(0.04f, ev.box().width(), 1e-4);
    for (int i = 2; i < 50; i++) {
      assertEquals(
          0, step(e, NOON + i * 100, at(1, "person", 0.5, 0.5)).size(), "no repeat while it stays");
    }
    step(e, NOON + 5000, at(1, "person", 0.7, 0.5));
    assertEquals(
        0, step(e, NOON + 6000, at(1, "person", 0.5, 0.5)).size(), "back within the 10 s cooldown");
    step(e, NOON + 7000, at(1, "person", 0.7, 0.5));
    assertEquals(
        1, step(e, NOON + 11_000, at(1, "person", 0.5, 0.5)).size(), "back after the cooldown");
    assertEquals(
        1,
        step(e, NOON + 11_100, at(1, "person", 0.5, 0.5), at(2, "person", 0.55, 0.55)).size(),
        "another track raises its own event");
  }

  @Test
  void intrusionHonoursTheClassFilterAndIgnoresStillAndStationaryObjects() {
    RuleEngine e =
        engine(
            rule(
                Rules.with(
                    Rules.input("yard", "zone_intrusion", SQUARE),
                    "always",
                    30,
                    5,
                    10,
                    "both",
                    "vehicle")));
    assertEquals(0, step(e, NOON, at(1, "person", 0.5, 0.5)).size(), "a person is not a vehicle");
    assertEquals(
        0,
        step(e, NOON, track(2, "car", 0.5, 0.5, false, false)).size(),
        "a car that never moved (parked)");
    assertEquals(
        0, step(e, NOON, track(3, "car", 0.5, 0.5, true, true)).size(), "a stationary car");
    assertEquals(1, step(e, NOON, at(4, "truck", 0.5, 0.5)).size(), "a moving truck is a vehicle");
  }

  @Test
  void armedScheduleBoundariesStartInclusiveEndExclusiveAcrossMidnight() {
    // Armed Wednesday from 22:00 until Thursday 06:00 only.
    RuleEngine e =
        engine(
            rule(
                Rules.with(
                    Rules.input("night", "zone_intrusion", SQUARE),
                    "Wed 22:00-06:00",
                    30,
                    5,
                    0,
                    "both")));
    long wed2159 = NOON + (9 * 60 + 59) * 60_000L;
    long wed2200 = NOON + 10 * 3_600_000L;
    long thu0559 = NOON + 17 * 3_600_000L + 59 * 60_000L;
    long thu0600 = NOON + 18 * 3_600_000L;
    assertEquals(0, step(e, wed2159, at(1, "person", 0.5, 0.5)).size(), "21:59 disarmed");
    assertEquals(
        1,
        step(e, wed2200, at(1, "person", 0.5, 0.5)).size(),
        "22:00 armed: the person inside is reported");
    assertEquals(
        1, step(e, thu0559, at(2, "person", 0.5, 0.5)).size(), "Thursday 05:59 still armed");
    assertEquals(0, step(e, thu0600, at(3, "person", 0.5, 0.5)).size(), "06:00 disarmed");
    assertEquals(
        0,
        step(e, thu0600 + 16 * 3_600_000L, at(4, "person", 0.5, 0.5)).size(),
        "Thursday 22:00 is not armed");
  }

  @Test
  void lineCrossingCountsBothDirectionsPerClassAndRaisesEventsForTheConfiguredOne() {
    // A vertical line at x = 0.5 from top to bottom, drawn downwards: its right-hand side (facing
    // down) is x < 0.5.
    var in =
        Rules.with(
            Rules.input("gate", "line_crossing", "0.5,0.1 0.5,0.9"),
            "always",
            30,
            5,
            0,
            "in",
            "person",
            "car");
    RuleEngine e = engine(rule(in));
    List<Event> events = new ArrayList<>();
    long t = NOON;
    // Person 1 walks left to right: from the line's right-hand side to its left = out.
    for (double x = 0.3; x <= 0.7; x += 0.02) {
      events.addAll(step(e, t += 100, at(1, "person", x, 0.5)));
    }
    // Person 2 walks right to left = in; car 3 too.
    for (double x = 0.7; x >= 0.3; x -= 0.02) {
      events.addAll(step(e, t += 100, at(2, "person", x, 0.5), at(3, "car", x, 0.6)));
    }
    // Person 4 wobbles on the line without crossing it (within the band): nothing.
    for (int i = 0; i < 20; i++) {
      events.addAll(step(e, t += 100, at(4, "person", 0.5 + (i % 2 == 0 ? 0.005 : -0.005), 0.5)));
    }
    // Person 5 passes beyond the end of the line: a side change, no crossing.
    for (double x = 0.3; x <= 0.7; x += 0.02) {
      events.addAll(step(e, t += 100, at(5, "person", x, 0.95)));
    }
    assertEquals(
        Map.of("person.in", 1L, "person.out", 1L, "car.in", 1L, "events", 2L),
        e.totals().get("gate"));
    assertEquals(2, events.size(), "events only for the 'in' direction: " + events);
    assertTrue(
        events.stream()
            .allMatch(
                ev ->
                    ev.type().equals("line_crossing")
                        && ev.attributes().get("direction").equals("in")));
  }

  @Test
  void loiteringFiresOnceAfterTheDwellAndCoversAPersonWhoStops() {
    RuleEngine e =
        engine(
            rule(
                Rules.with(Rules.input("door", "loitering", SQUARE), "always", 20, 5, 60, "both")));
    long t = NOON;
    assertEquals(0, step(e, t, at(1, "person", 0.5, 0.5)).size());
    assertEquals(0, step(e, t + 19_900, track(1, "person", 0.5, 0.5, true, true)).size(), "19.9 s");
    List<Event> at20 = step(e, t + 20_000, track(1, "person", 0.5, 0.5, true, true));
    assertEquals(1, at20.size(), "20 s, stopped and stationary: still loitering");
    assertEquals("loitering", at20.get(0).type());
    assertEquals("20", at20.get(0).attributes().get("dwell_s"));
    assertEquals(0, step(e, t + 40_000, track(1, "person", 0.5, 0.5, true, true)).size(), "once");
    assertEquals(
        0,
        step(e, t + 25_000, track(2, "person", 0.5, 0.5, false, true)).size(),
        "a 'person' that never moved");
    assertEquals(
        0, step(e, t + 50_000, track(2, "person", 0.5, 0.5, false, true)).size(), "never loiters");
  }

  @Test
  void loiteringResetsWhenTheTrackLeaves() {
    RuleEngine e =
        engine(
            rule(
                Rules.with(Rules.input("door", "loitering", SQUARE), "always", 20, 5, 60, "both")));
    step(e, NOON, at(1, "person", 0.5, 0.5));
    step(e, NOON + 15_000, at(1, "person", 0.8, 0.5));
    assertEquals(0, step(e, NOON + 16_000, at(1, "person", 0.5, 0.5)).size());
    assertEquals(
        0, step(e, NOON + 35_000, at(1, "person", 0.5, 0.5)).size(), "19 s since it came back");
    assertEquals(
        1, step(e, NOON + 36_000, at(1, "person", 0.5, 0.5)).size(), "20 s since it came back");
  }

  @Test
  void crowdNeedsTheCountForTheDwellThenWaitsForTheCooldown() {
    RuleEngine e =
        engine(
            rule(Rules.with(Rules.input("square", "crowd", SQUARE), "always", 5, 3, 30, "both")));
    TrackSnapshot a = at(1, "person", 0.45, 0.5);
    TrackSnapshot b = at(2, "person", 0.5, 0.5);
    TrackSnapshot c = at(3, "person", 0.55, 0.5);
    assertEquals(0, step(e, NOON, a, b).size(), "two are no crowd");
    assertEquals(0, step(e, NOON + 1000, a, b, c).size(), "three, just formed");
    assertEquals(0, step(e, NOON + 5999, a, b, c).size(), "4.999 s");
    List<Event> crowd = step(e, NOON + 6000, a, b, c);
    assertEquals(1, crowd.size(), "5 s");
    Event ev = crowd.get(0);
    assertEquals("crowd", ev.type());
    assertEquals(-1, ev.trackId());
    assertEquals("3", ev.attributes().get("count"));
    assertEquals("1,2,3", ev.attributes().get("track_ids"));
    assertEquals(0, step(e, NOON + 10_000, a, b, c).size(), "once while it lasts");
    step(e, NOON + 11_000, a, b);
    assertEquals(0, step(e, NOON + 20_000, a, b, c).size(), "re-formed within the 30 s cooldown");
    assertEquals(1, step(e, NOON + 41_000, a, b, c).size(), "after the cooldown and the dwell");
  }

  @Test
  void countSummariesPerClassPerZoneAndLinePerInterval() {
    var zone =
        new org.watchpost.analytics.internal.rules.RuleParser.Input(
            "plaza",
            "*",
            "zone_count",
            SQUARE,
            new String[] {"person", "car"},
            "always",
            "UTC",
            30,
            5,
            60,
            "both",
            10,
            "");
    RuleEngine e = engine(rule(zone));
    List<CountSummary> summaries = new ArrayList<>();
    long t = NOON;
    summaries.addAll(e.evaluate(List.of(at(1, "person", 0.5, 0.5)), t, W, H).counts());
    summaries.addAll(
        e.evaluate(
                List.of(
                    at(1, "person", 0.5, 0.5), at(2, "person", 0.45, 0.5), at(3, "car", 0.5, 0.45)),
                t + 5000,
                W,
                H)
            .counts());
    summaries.addAll(e.evaluate(List.of(at(2, "person", 0.45, 0.5)), t + 9999, W, H).counts());
    assertTrue(summaries.isEmpty(), "interval still open");
    summaries.addAll(e.evaluate(List.of(at(2, "person", 0.45, 0.5)), t + 10_000, W, H).counts());
    assertEquals(1, summaries.size());
    CountSummary s = summaries.get(0);
    assertEquals("plaza", s.ruleId());
    assertEquals(NOON, s.fromMillis());
    assertEquals(NOON + 10_000, s.toMillis());
    assertEquals(Map.of("person", 2L, "person.peak", 2L, "car", 1L, "car.peak", 1L), s.counts());
    summaries.clear();
    summaries.addAll(e.evaluate(List.of(), t + 20_000, W, H).counts());
    assertEquals(
        Map.of("person", 1L, "person.peak", 1L, "car", 0L, "car.peak", 0L),
        summaries.get(0).counts(),
        "the second interval saw person 2 only");
  }

  @Test
  void disarmedRulesKeepCountingButRaiseNoEventsUntilArmedAgain() {
    var line =
        Rules.with(
            Rules.input("gate", "line_crossing", "0.5,0.1 0.5,0.9"), "always", 30, 5, 0, "both");
    RuleEngine e =
        engine(
            rule(line),
            rule(
                Rules.with(
                    Rules.input("yard", "zone_intrusion", SQUARE), "always", 30, 5, 0, "both")));
    e.armed(false);
    List<Event> events = new ArrayList<>();
    long t = NOON;
    for (double x = 0.3; x <= 0.7; x += 0.02) {
      events.addAll(step(e, t += 100, at(1, "person", x, 0.5)));
    }
    assertEquals(
        List.of(), events, "disarmed: neither the crossing nor the intrusion raises an event");
    assertEquals(Map.of("person.out", 1L), e.totals().get("gate"), "the crossing is counted");
    e.armed(true);
    for (double x = 0.7; x >= 0.3; x -= 0.02) {
      events.addAll(step(e, t += 100, at(2, "person", x, 0.5)));
    }
    assertEquals(
        List.of("intrusion", "line_crossing"),
        events.stream().map(Event::type).toList(),
        "armed again");
  }

  @Test
  void aResetZeroesTotalsAndTheIntervalInProgressWhichGoesOnFromTheReset() {
    var line =
        new org.watchpost.analytics.internal.rules.RuleParser.Input(
            "gate",
            "*",
            "line_crossing",
            "0.5,0.1 0.5,0.9",
            new String[] {"person"},
            "always",
            "UTC",
            30,
            5,
            0,
            "both",
            10,
            "");
    RuleEngine e = engine(rule(line));
    List<CountSummary> summaries = new ArrayList<>();
    long t = NOON;
    for (double x = 0.3; x <= 0.7; x += 0.02) {
      summaries.addAll(e.evaluate(List.of(at(1, "person", x, 0.5)), t += 100, W, H).counts());
    }
    assertEquals(Map.of("person.out", 1L, "events", 1L), e.totals().get("gate"));
    long changes = e.changes();
    e.resetCounts(NOON + 4_000);
    assertTrue(e.changes() > changes, "a reset is a change readers copy");
    assertEquals(null, e.totals().get("gate"), "totals zeroed");
    t = NOON + 4_000;
    for (double x = 0.7; x >= 0.3; x -= 0.02) {
      summaries.addAll(e.evaluate(List.of(at(2, "person", x, 0.5)), t += 100, W, H).counts());
    }
    summaries.addAll(e.evaluate(List.of(), NOON + 10_000, W, H).counts());
    assertEquals(1, summaries.size());
    assertEquals(NOON + 4_000, summaries.get(0).fromMillis(), "the interval restarts at the reset");
    assertEquals(NOON + 10_000, summaries.get(0).toMillis(), "and keeps its alignment");
    assertEquals(
        Map.of("person.in", 1L, "person.out", 0L),
        summaries.get(0).counts(),
        "only what came after the reset");
  }

  @Test
  void incidentsFoldEventsOfOneZoneOrOneTrackAndCloseWhenQuiet() {
    IncidentGrouper g = new IncidentGrouper("cam", 30_000, 600_000);
    Event a =
        new Event(
            "intrusion",
            "yard",
            "cam",
            "person",
            1,
            0.9f,
            null,
            NOON,
            NOON,
            Priority.ALARM,
            Map.of(),
            null);
    Event b =
        new Event(
            "intrusion",
            "yard",
            "cam",
            "person",
            2,
            0.8f,
            null,
            NOON,
            NOON + 2000,
            Priority.ALARM,
            Map.of(),
            null);
    Event c =
        new Event(
            "loitering",
            "door",
            "cam",
            "person",
            1,
            0.7f,
            null,
            NOON,
            NOON + 4000,
            Priority.EVENT,
            Map.of(),
            null);
    Event d =
        new Event(
            "line_crossing",
            "gate",
            "cam",
            "car",
            9,
            0.7f,
            null,
            NOON,
            NOON + 5000,
            Priority.EVENT,
            Map.of(),
            null);
    List<Event> opened = g.fold(List.of(a), NOON);
    assertEquals(1, opened.size());
    assertEquals("incident_open", opened.get(0).type());
    assertEquals("intrusion", opened.get(0).attributes().get("cause"));
    assertEquals(Priority.ALARM, opened.get(0).priority());
    assertEquals(0, g.fold(List.of(b), NOON + 2000).size(), "second person, same zone: folded");
    assertEquals(
        0, g.fold(List.of(c), NOON + 4000).size(), "same track loitering elsewhere: folded");
    List<Event> other = g.fold(List.of(d), NOON + 5000);
    assertEquals(1, other.size(), "unrelated rule and track: its own incident");
    assertEquals(0, g.fold(List.of(), NOON + 33_999).size());
    List<Event> closed = g.fold(List.of(), NOON + 34_000);
    assertEquals(1, closed.size(), "30 s after the last member");
    Event close = closed.get(0);
    assertEquals("incident_close", close.type());
    assertEquals(
        opened.get(0).attributes().get("incident_id"), close.attributes().get("incident_id"));
    assertEquals("3", close.attributes().get("events"));
    assertEquals("2", close.attributes().get("tracks"));
    assertEquals("yard,door", close.attributes().get("rules"));
    assertEquals("intrusion:2,loitering:1", close.attributes().get("types"));
    assertEquals(1, g.fold(List.of(), NOON + 35_000).size(), "the other closes too");
    assertEquals(0, g.openCount());
  }

  @Test
  void theEndOfASourceClosesOpenIncidentsAndSendsThePartialCountInterval() {
    IncidentGrouper g = new IncidentGrouper("cam", 30_000, 600_000);
    Event a =
        new Event(
            "intrusion",
            "yard",
            "cam",
            "person",
            1,
            0.9f,
            null,
            NOON,
            NOON,
            Priority.ALARM,
            Map.of(),
            null);
    g.fold(List.of(a), NOON);
    List<Event> closed = g.closeAll(NOON + 5000);
    assertEquals(1, closed.size());
    assertEquals("incident_close", closed.get(0).type());
    assertEquals(NOON + 5000, closed.get(0).eventTimeMillis());
    assertEquals(0, g.openCount());
    assertTrue(g.closeAll(NOON + 6000).isEmpty(), "nothing left to close");

    var zone =
        new org.watchpost.analytics.internal.rules.RuleParser.Input(
            "plaza",
            "*",
            "zone_count",
            SQUARE,
            new String[] {"person"},
            "always",
            "UTC",
            30,
            5,
            60,
            "both",
            60,
            "");
    RuleEngine e = engine(rule(zone));
    e.evaluate(List.of(at(1, "person", 0.5, 0.5)), NOON, W, H);
    e.evaluate(List.of(at(1, "person", 0.5, 0.5), at(2, "person", 0.45, 0.5)), NOON + 7000, W, H);
    List<CountSummary> partial = e.flushCounts(NOON + 8000);
    assertEquals(1, partial.size());
    assertEquals(NOON, partial.get(0).fromMillis());
    assertEquals(NOON + 8000, partial.get(0).toMillis());
    assertEquals(2L, partial.get(0).counts().get("person"));
    assertTrue(e.flushCounts(NOON + 8000).isEmpty(), "an empty interval is not sent");
  }
}
