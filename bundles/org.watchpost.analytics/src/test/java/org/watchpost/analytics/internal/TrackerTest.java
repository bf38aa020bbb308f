// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.watchpost.analytics.internal.track.Box;
import org.watchpost.analytics.internal.track.ByteTracker;
import org.watchpost.analytics.internal.track.KalmanBoxFilter;
import org.watchpost.analytics.internal.track.LinearAssignment;
import org.watchpost.analytics.internal.track.Track;
import org.watchpost.analytics.internal.track.TrackState;
import org.watchpost.analytics.internal.track.TrackerSettings;
import org.watchpost.api.detect.Detection;

/** The tracker on synthetic detections at 10 frames per second. */
class TrackerTest {

  private static Detection person(double cx, double bottom, float score) {
    return new Detection(
        0, "person", score, (float) cx - 15, (float) bottom - 80, (float) cx + 15, (float) bottom);
  }

  private static List<Track> live(ByteTracker t) {
    return t.tracks().stream().filter(Track::live).toList();
  }

  @Test
  void aWalkerKeepsItsIdentityThroughOneAndAHalfSecondsHiddenAndIsFoundWhereItShouldBe() {
    ByteTracker tracker = new ByteTracker(TrackerSettings.defaults());
    long t = 0;
    double x = 100;
    for (int f = 0; f < 30; f++, t += 100, x += 5) {
      tracker.update(List.of(person(x, 300, 0.9f)), null, t);
    }
    long id = live(tracker).get(0).id();
    assertTrue(id > 0);
    for (int f = 0; f < 15; f++, t += 100, x += 5) {
      tracker.update(List.of(), null, t);
    }
    assertEquals(TrackState.LOST, live(tracker).get(0).state());
    assertEquals(
        x, live(tracker).get(0).box().centerX(), 10, "coasting at its own speed (50 px/s)");
    tracker.update(List.of(person(x, 300, 0.9f)), null, t);
    assertEquals(1, live(tracker).size());
    assertEquals(id, live(tracker).get(0).id(), "same identity after 1.5 s hidden");
    assertEquals(TrackState.CONFIRMED, live(tracker).get(0).state());
    assertEquals(1, tracker.confirmedTotal());
  }

  @Test
  void lowScoreDetectionsKeepAConfirmedTrackAliveButStartNone() {
    ByteTracker tracker = new ByteTracker(TrackerSettings.defaults());
    long t = 0;
    for (int f = 0; f < 5; f++, t += 100) {
      tracker.update(List.of(person(200 + f * 4, 300, 0.9f)), null, t);
    }
    for (int f = 5; f < 40; f++, t += 100) {
      // Half hidden behind someone: the detector is unsure.
      tracker.update(List.of(person(200 + f * 4, 300, 0.35f), person(600, 200 + f, 0.4f)), null, t);
    }
    assertEquals(1, live(tracker).size(), "the weak detection far away started nothing");
    assertEquals(TrackState.CONFIRMED, live(tracker).get(0).state(), "matched on every frame");
  }

  @Test
  void theClassIsDecidedByVoteOverTheTrack() {
    ByteTracker tracker = new ByteTracker(TrackerSettings.defaults());
    for (int f = 0; f < 10; f++) {
      String label = f % 4 == 3 ? "motorcycle" : "bicycle";
      tracker.update(
          List.of(new Detection(1, label, 0.8f, 100 + f, 100, 140 + f, 180)), null, f * 100L);
    }
    assertEquals("bicycle", live(tracker).get(0).label());
  }

  @Test
  void aStillObjectBecomesStationaryAndKeepsItsIdentityThroughFlickerAndAPasserBy() {
    ByteTracker tracker = new ByteTracker(TrackerSettings.defaults());
    Detection car = new Detection(2, "car", 0.8f, 600, 50, 700, 110);
    long t = 0;
    for (; t <= 11_000; t += 1000) {
      tracker.update(List.of(car), null, t);
    }
    Track parked = live(tracker).get(0);
    assertTrue(parked.stationary(), "still for 10 s");
    assertFalse(parked.hasMoved());
    long id = parked.id();
    // The detection flickers away for a minute while someone walks past in front of it.
    for (int i = 0; i < 60; i++, t += 1000) {
      tracker.update(List.of(person(560 + i * 3, 130, 0.9f)), null, t);
    }
    tracker.update(List.of(car), null, t);
    Track again = tracker.tracks().stream().filter(tr -> tr.id() == id).findFirst().orElseThrow();
    assertEquals(TrackState.CONFIRMED, again.state());
    assertEquals(650, again.box().centerX(), 1, "it did not drift while unseen");
  }

  @Test
  void aDetectorRunOnACropLeavesTracksOutsideItAlone() {
    ByteTracker tracker = new ByteTracker(TrackerSettings.defaults());
    for (int f = 0; f < 5; f++) {
      tracker.update(List.of(person(100, 300, 0.9f), person(600, 300, 0.9f)), null, f * 100L);
    }
    tracker.update(List.of(person(600, 300, 0.9f)), new Box(450, 150, 750, 450), 500);
    assertTrue(
        live(tracker).stream().allMatch(tr -> tr.state() == TrackState.CONFIRMED),
        "the one outside the crop is not missed");
  }

  @Test
  void assignmentFindsTheCheapestPairingAndLeavesTooCostlyPairsOpen() {
    double[][] cost = {{0.9, 0.1, 0.5}, {0.2, 0.3, 0.95}};
    assertEquals(List.of(1, 0), toList(LinearAssignment.solve(cost, 0.8)));
    double[][] tall = {{0.1}, {0.05}, {0.99}};
    assertEquals(List.of(-1, 0, -1), toList(LinearAssignment.solve(tall, 0.8)));
    assertEquals(List.of(-1), toList(LinearAssignment.solve(new double[][] {{0.9}}, 0.8)));
  }

  @Test
  void theKalmanFilterLearnsAConstantVelocityInPixelsPerSecond() {
    KalmanBoxFilter filter = new KalmanBoxFilter(new Box(0, 0, 20, 50));
    for (int i = 1; i <= 20; i++) {
      filter.predict(0.1);
      filter.update(new Box(i * 3, 0, 20 + i * 3, 50));
    }
    assertEquals(30, filter.speed(), 3, "3 px per 0.1 s");
    filter.predict(1.0);
    assertEquals(60 + 10 + 30, filter.box().centerX(), 4);
  }

  private static List<Integer> toList(int[] a) {
    List<Integer> l = new ArrayList<>();
    for (int v : a) {
      l.add(v);
    }
    return l;
  }
}
