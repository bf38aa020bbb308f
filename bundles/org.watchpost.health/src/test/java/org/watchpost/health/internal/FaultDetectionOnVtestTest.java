// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

/**
 * Real footage (vtest, 768x576 at 10 fps) with one fault from 30 s to 45 s of the clip: the right
 * state is raised within 10 s of onset and cleared within 10 s of the end, and nothing else is
 * raised.
 */
// The cases share nothing (own component, own baseline directory) and run in clip time, not wall
// time: two at a
// time, @Execution on the methods so that the class never overlaps another.
class FaultDetectionOnVtestTest {
  private static final long ONSET = 30_000;
  private static final long END = 45_000;

  private static CameraHealthComponent health(Path baselines) {
    return new CameraHealthComponent(
        Configs.with(CameraHealthConfig.class, Map.of("baseline_dir", baselines.toString())));
  }

  @Execution(ExecutionMode.CONCURRENT)
  @ParameterizedTest(name = "{0} raises {1}")
  @CsvSource({
    "black, BLACK",
    "freeze, FROZEN",
    "blur, BLURRED",
    "cover, OBSTRUCTED",
    "shift, MOVED",
    "shift:0.25, MOVED",
    "drop, NO_SIGNAL",
    "overexpose, OVEREXPOSED",
    "dim:0.15, BLACK",
    "slow, LOW_FPS"
  })
  @Timeout(120)
  void eachFaultIsRaisedWithinTenSecondsAndClearedWithinTenSecondsOfItsEnd(
      String fault, CameraState expected) throws Exception {
    CameraHealthComponent health = health(SharedData.scratchDirectory("baselines-" + fault));
    RecordingSink sink = new RecordingSink();
    health.addSink(sink);
    ClipRun.play(health, "cam", ClipRun.vtest(), FaultSchedule.parse(fault + "@30-45"), 60_000);
    health.deactivate();

    List<HealthAlarm> alarms = sink.alarms;
    assertEquals(2, alarms.size(), "one raise and one clear: " + alarms);
    HealthAlarm raise = alarms.get(0);
    HealthAlarm clear = alarms.get(1);
    assertEquals(expected, raise.state(), raise.reason());
    assertTrue(raise.raised());
    assertTrue(
        raise.streamMillis() >= ONSET && raise.streamMillis() <= ONSET + 10_000,
        "raised " + (raise.streamMillis() - ONSET) + " ms after onset: " + raise);
    assertTrue(!raise.metrics().isEmpty() && !raise.reason().isBlank());
    assertEquals(expected, clear.state());
    assertTrue(!clear.raised());
    assertTrue(
        clear.streamMillis() >= END && clear.streamMillis() <= END + 10_000,
        "cleared " + (clear.streamMillis() - END) + " ms after the fault ended: " + clear);
    System.out.printf(
        "%-10s raised %5d ms after onset, cleared %5d ms after end: %s%n",
        fault, raise.streamMillis() - ONSET, clear.streamMillis() - END, raise.reason());

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> summary =
        (List<Map<String, Object>>) health.summary().get("health_alarms");
    assertEquals(1, summary.size());
    assertEquals("cam", summary.get(0).get("camera"));
    assertEquals(expected.name(), summary.get(0).get("state"));
    assertEquals(raise.streamMillis() / 1000.0, summary.get(0).get("raised_at_s"));
    assertEquals(clear.streamMillis() / 1000.0, summary.get(0).get("cleared_at_s"));
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void theUnmodifiedClipFromStartToEndRaisesNoAlarm() throws Exception {
    CameraHealthComponent health = health(SharedData.scratchDirectory("baselines-clean"));
    RecordingSink sink = new RecordingSink();
    health.addSink(sink);
    ClipRun.play(health, "cam", ClipRun.vtest(), FaultSchedule.NONE, Long.MAX_VALUE);
    health.deactivate();
    assertEquals(List.of(), sink.alarms);
    assertEquals(List.of(), health.summary().get("health_alarms"));
  }
}
