// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.detect.DetectorStatus;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.Region;
import org.watchpost.api.event.Event;
import org.watchpost.api.frame.Frame;

/**
 * The wall clock stepped back an hour and later forward (twice) while vtest plays: the analytics
 * must do exactly what they do on a steady clock (same tracks born and lost on the same frames,
 * loitering after its dwell, the same events), with only the wall-clock labels of what goes out
 * following the steps.
 */
class ClockStepTest {
  private static final long HOUR = 3_600_000;

  /**
   * Incidents off: the rules' own events, loitering among them, are compared one by one. Load
   * shedding off: it follows the CPU time each frame takes, which differs between the runs (and
   * with the machine's load).
   */
  private static final Map<String, Object> SETTINGS =
      Map.of("incidents", false, "load_shedding", false);

  /**
   * The wall clock's error at a frame: right, an hour behind from frame 200, right again at 400, an
   * hour ahead from 600.
   */
  private static long step(long sequence) {
    return sequence < 200 ? 0 : sequence < 400 ? -HOUR : sequence < 600 ? 0 : HOUR;
  }

  /**
   * The real detector, each whole-frame result kept by frame number and given again for that frame.
   */
  private static final class Remembering implements Detector {
    private final Detector real;
    private final Map<Long, DetectionResult> byFrame = new java.util.HashMap<>();

    Remembering(Detector real) {
      this.real = real;
    }

    @Override
    public DetectionResult detect(Frame frame) throws DetectorUnavailableException {
      DetectionResult known = byFrame.get(frame.sequence());
      if (known == null) {
        known = real.detect(frame);
        byFrame.put(frame.sequence(), known);
      }
      return known;
    }

    @Override
    public DetectionResult detect(Frame frame, Region region) throws DetectorUnavailableException {
      return real.detect(frame, region);
    }

    @Override
    public DetectorStatus status() {
      return real.status();
    }
  }

  @Test
  void tracksLoiteringAndEventsIgnoreAWallClockSteppedBackAndForward() {
    List<RuleSource> rules = new ArrayList<>(Vtest.defaultRules());
    rules.add(
        Vtest.source(
            "plaza-loitering",
            Rules.with(
                Rules.input("plaza-loitering", "loitering", "0,0 1,0 1,1 0,1"),
                "always",
                10,
                5,
                600,
                "both")));
    // The real detector on the steady run; the stepped run gets the same results for the same
    // frames, so any
    // difference comes from time alone (and the test costs one detector pass, not a cached whole
    // clip).
    Remembering detections = new Remembering(Vtest.detector());

    Vtest.Run steady = Vtest.run(Vtest.component(SETTINGS, rules), Vtest::frames, detections);
    List<Long> eventFrames = new ArrayList<>();
    Vtest.Run stepped =
        Vtest.run(
            Vtest.component(SETTINGS, rules),
            sink ->
                Vtest.frames(
                    frame -> {
                      // Restamped as it came: a deferred frame stays deferred, so that motion sees
                      // the same grey image.
                      long stamped = frame.captureEpochMillis() + step(frame.sequence());
                      try (Frame shifted =
                          frame.grey() == null
                              ? new Frame(
                                  frame.sourceId(),
                                  frame.sequence(),
                                  stamped,
                                  frame.streamMillis(),
                                  frame.decodeNanos(),
                                  frame.width(),
                                  frame.height(),
                                  frame.pixels(),
                                  null)
                              : Frame.deferred(
                                  frame.sourceId(),
                                  frame.sequence(),
                                  stamped,
                                  frame.streamMillis(),
                                  frame.decodeNanos(),
                                  frame.width(),
                                  frame.height(),
                                  frame.grey(),
                                  frame::pixels,
                                  null)) {
                        sink.accept(shifted);
                      }
                    }),
            detections);

    assertEquals(
        steady.lives(), stepped.lives(), "the same tracks, born and lost on the same frames");
    List<Event> loitering =
        steady.events().stream().filter(e -> e.type().equals("loitering")).toList();
    assertFalse(loitering.isEmpty(), "someone loiters in vtest");
    for (Event e : loitering) {
      assertTrue(
          e.eventTimeMillis() - e.firstSeenMillis() >= 10_000,
          "loitering after its 10 s dwell: " + e);
    }
    assertEquals(steady.events().size(), stepped.events().size(), "the same events");
    long start = steady.startMillis();
    for (int i = 0; i < steady.events().size(); i++) {
      Event a = steady.events().get(i);
      Event b = stepped.events().get(i);
      assertEquals(
          List.of(a.type(), a.ruleId(), a.trackId()),
          List.of(b.type(), b.ruleId(), b.trackId()),
          "event " + i);
      // Frames are 100 ms apart and start at 0: the frame of an event from its time.
      long frame = (a.eventTimeMillis() - start) / 100;
      eventFrames.add(frame);
      // Each run opened the clip at its own time of day: the labels compare from there.
      assertEquals(
          a.eventTimeMillis() - start + step(frame),
          b.eventTimeMillis() - stepped.startMillis(),
          "labelled with the wall clock: " + a + " / " + b);
      assertEquals(
          a.eventTimeMillis() - a.firstSeenMillis(),
          b.eventTimeMillis() - b.firstSeenMillis(),
          "same dwell");
    }
    // Count intervals start on round minutes of the first frame's wall clock, which differs between
    // the runs, so
    // the intervals split differently; the totals are the same.
    assertEquals(steady.totals(), stepped.totals(), "the same counts");
    assertTrue(
        eventFrames.stream().anyMatch(f -> step(f) != 0),
        "events happen while the clock is wrong: " + eventFrames);
    System.out.println(
        "clock-step: "
            + steady.events().size()
            + " events, "
            + loitering.size()
            + " loitering, "
            + steady.lives().size()
            + " tracks, identical under steps of -1 h and +1 h; event frames "
            + eventFrames);
  }
}
