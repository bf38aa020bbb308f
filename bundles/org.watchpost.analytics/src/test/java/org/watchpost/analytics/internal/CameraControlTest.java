// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.event.Priority;

/**
 * The operator's switches reach a running camera's engine on its own thread, on the real clip and
 * detector.
 */
class CameraControlTest {

  @Test
  void aResetCompletesOnTheNextFrameArmedIsReadEveryFrameAndAClosedEngineLeavesNothingPending() {
    AnalyticsComponent component = Vtest.component(Map.of(), Vtest.defaultRules());
    CameraAnalyticsEngine engine = (CameraAnalyticsEngine) component.create("vtest");
    int[] frames = {0};
    List<CompletableFuture<Void>> resets = new ArrayList<>();
    List<Boolean> doneBeforeFrame = new ArrayList<>();
    Vtest.frames(
        12,
        frame -> {
          if (frames[0] == 5) {
            component.setArmed("vtest", false);
            resets.add(component.resetCounters("vtest").toCompletableFuture());
            doneBeforeFrame.add(resets.get(0).isDone());
          }
          engine.process(frame, Vtest.detector());
          frames[0]++;
          if (frames[0] == 6) {
            doneBeforeFrame.add(resets.get(0).isDone());
            assertFalse(engine.ruleEngine().armed(), "disarmed on the frame after the switch");
          }
        });
    assertTrue(
        !doneBeforeFrame.get(0) && doneBeforeFrame.get(1),
        "pending until the camera's next frame: " + doneBeforeFrame);
    assertFalse(component.armed("vtest"));
    component.setArmed("vtest", true);
    assertTrue(component.armed("vtest"));

    CompletableFuture<Void> pending = component.resetCounters("vtest").toCompletableFuture();
    assertFalse(pending.isDone());
    engine.close();
    assertTrue(pending.isDone(), "closing the engine completes a pending reset");
    assertTrue(
        component.resetCounters("vtest").toCompletableFuture().isDone(),
        "no engine runs: done at once");
    assertTrue(
        component.resetCounters("elsewhere").toCompletableFuture().isDone(),
        "unknown camera: done at once");
  }

  /**
   * Issue 12 item 10: disarming intrusion rules was one INFO log line; now each switch goes
   * upstream as an alarm.
   */
  @Test
  void everyArmOrDisarmGoesUpstreamAsAnAlarmPriorityEventSayingWhoAsked() {
    AnalyticsComponent component = Vtest.component(Map.of(), Vtest.defaultRules());
    List<Event> upstream = new ArrayList<>();
    component.addEventSink(
        new EventSink() {
          @Override
          public void publish(Event event) {
            upstream.add(event);
          }

          @Override
          public void publish(CountSummary counts) {}
        });
    component.setArmed("vtest", false, "OPC UA user 'op1' from 10.0.0.7");
    component.setArmed("vtest", false, "OPC UA user 'op1' from 10.0.0.7");
    component.setArmed("vtest", true);
    assertEquals(
        List.of("disarmed", "disarmed", "armed"), upstream.stream().map(Event::type).toList());
    assertTrue(
        upstream.stream()
            .allMatch(e -> e.priority() == Priority.ALARM && e.cameraId().equals("vtest")));
    assertEquals(
        "OPC UA user 'op1' from 10.0.0.7", upstream.get(0).attributes().get("requested_by"));
    assertEquals(
        List.of("true", "false", "true"),
        upstream.stream().map(e -> e.attributes().get("changed")).toList());
    assertEquals("unnamed caller", upstream.get(2).attributes().get("requested_by"));
    assertTrue(component.armed("vtest"));
  }
}
