// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.watchpost.api.frame.SourceState;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

/**
 * Baselines are learned per camera from its own frames, kept on disk, and used again after a
 * restart.
 */
// The cases share nothing (own component, own baseline directory) and play the clip in stream time:
// two at a
// time, @Execution on the methods so that the class never overlaps another.
class BaselineOnVtestTest {

  private static CameraHealthComponent health(Path baselines) {
    return new CameraHealthComponent(
        Configs.with(
            CameraHealthConfig.class,
            Map.of("baseline_dir", baselines.toString(), "report_interval_s", 5.0)));
  }

  private static List<HealthAlarm> play(
      Path baselines, String schedule, long untilMillis, RecordingSink sink) throws Exception {
    CameraHealthComponent health = health(baselines);
    health.addSink(sink);
    ClipRun.play(health, "gate-1", ClipRun.vtest(), FaultSchedule.parse(schedule), untilMillis);
    health.deactivate();
    return sink.alarms;
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void aLearnedBaselineIsKeptOnDiskAndUsedAtOnceAfterARestart() throws Exception {
    Path baselines = SharedData.scratchDirectory("restart");
    RecordingSink first = new RecordingSink();
    assertEquals(List.of(), play(baselines, "", 25_000, first));
    assertEquals("learned", first.lastReport("gate-1").metrics().get("baseline"));
    Path file = new BaselineStore(baselines).fileFor("gate-1");
    StoredBaseline stored = BaselineCodec.decode(Files.readAllBytes(file));
    assertEquals(768, stored.baseline().frameWidth());
    assertEquals(121, stored.baseline().meanLuma(), 5);
    assertEquals(10, stored.baseline().fps(), 0.01);

    // Learning takes 20 s; blur from 5 s can only be seen by 15 s with the stored baseline.
    RecordingSink second = new RecordingSink();
    List<HealthAlarm> alarms = play(baselines, "blur@5-15", 25_000, second);
    assertEquals(2, alarms.size(), alarms.toString());
    assertEquals(CameraState.BLURRED, alarms.get(0).state());
    assertTrue(alarms.get(0).streamMillis() <= 15_000, alarms.get(0).toString());
    assertEquals("stored", second.reports.get(0).metrics().get("baseline"));
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void aCameraWhoseSourceClosedAndReopensKeepsItsBaseline() throws Exception {
    CameraHealthComponent health = health(SharedData.scratchDirectory("reopen"));
    RecordingSink sink = new RecordingSink();
    health.addSink(sink);
    ClipRun.play(health, "gate-1", ClipRun.vtest(), FaultSchedule.NONE, 25_000);
    health.onSourceStatus(
        "gate-1", new SourceStatus(SourceState.CLOSED, 0, 0, "pipeline stopped"), 0);
    ClipRun.play(health, "gate-1", ClipRun.vtest(), FaultSchedule.parse("blur@5-15"), 25_000);
    health.deactivate();
    assertEquals(
        List.of(CameraState.BLURRED, CameraState.BLURRED),
        sink.alarms.stream().map(HealthAlarm::state).toList());
    assertTrue(
        sink.alarms.get(0).streamMillis() <= 15_000,
        "raised before a new baseline could have been learned");
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void aNaturallySoftCameraLearnsItsOwnSharpnessAndNeverAlarms() throws Exception {
    Path baselines = SharedData.scratchDirectory("soft");
    assertEquals(List.of(), play(baselines, "blur@0-80", Long.MAX_VALUE, new RecordingSink()));
    StoredBaseline soft = new BaselineStore(baselines).load("gate-1").orElseThrow();
    assertTrue(soft.baseline().sharpness() < 0.3, "learned soft: " + soft.baseline());
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void aNaturallyDarkCameraLearnsItsOwnBrightnessAndStillSeesItsLensCovered() throws Exception {
    Path baselines = SharedData.scratchDirectory("dark");
    List<HealthAlarm> alarms =
        play(
            baselines,
            "dim:0.15@0-30, black@30-45, dim:0.15@45-80",
            Long.MAX_VALUE,
            new RecordingSink());
    assertEquals(2, alarms.size(), alarms.toString());
    assertEquals(CameraState.BLACK, alarms.get(0).state());
    assertTrue(alarms.get(0).streamMillis() >= 30_000 && alarms.get(0).streamMillis() <= 40_000);
    assertTrue(!alarms.get(1).raised() && alarms.get(1).streamMillis() <= 55_000);
    StoredBaseline dark = new BaselineStore(baselines).load("gate-1").orElseThrow();
    assertEquals(18, dark.baseline().meanLuma(), 3);
  }
}
