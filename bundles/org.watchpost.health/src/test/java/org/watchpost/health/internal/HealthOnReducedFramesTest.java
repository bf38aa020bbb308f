// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.pipeline.FrameObserver;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

/**
 * Camera health judges the grey image a deferring source makes (vtest's Motion-JPEG decoded at half
 * scale) and never asks for a frame's colour: faults are still raised and cleared.
 */
class HealthOnReducedFramesTest {

  @Execution(ExecutionMode.CONCURRENT)
  @ParameterizedTest(name = "{0} raises {1} on reduced grey frames")
  @CsvSource({"black, BLACK", "shift, MOVED"})
  @Timeout(120)
  void faultsAreRaisedOnReducedGreyFramesWithoutAnyColourDecode(String fault, CameraState expected)
      throws Exception {
    Path baselines = SharedData.scratchDirectory("reduced-baselines-" + fault);
    CameraHealthComponent health =
        new CameraHealthComponent(
            Configs.with(CameraHealthConfig.class, Map.of("baseline_dir", baselines.toString())));
    RecordingSink sink = new RecordingSink();
    health.addSink(sink);
    int[] frames = new int[3];
    FrameObserver watching =
        new FrameObserver() {
          @Override
          public void onFrame(Frame frame) {
            Frame.Grey grey = frame.grey();
            if (grey != null && grey.width() == frame.width() / 2) {
              frames[0]++;
            }
            health.onFrame(frame);
            if (frame.isDecoded()) {
              frames[1]++;
            }
            frames[2]++;
          }

          @Override
          public void onSourceStatus(String cameraId, SourceStatus status, long nowMillis) {
            health.onSourceStatus(cameraId, status, nowMillis);
          }
        };
    ClipRun.play(watching, "cam", ClipRun.vtest(), FaultSchedule.parse(fault + "@30-45"), 60_000);
    health.deactivate();

    assertTrue(frames[2] > 500, "frames seen: " + frames[2]);
    assertEquals(frames[2], frames[0], "every frame came with its grey image at half size");
    assertEquals(0, frames[1], "health decoded no frame's colour");
    List<HealthAlarm> alarms = sink.alarms;
    assertEquals(2, alarms.size(), "one raise and one clear: " + alarms);
    assertEquals(expected, alarms.get(0).state(), alarms.get(0).reason());
    assertTrue(alarms.get(0).raised());
    assertTrue(
        alarms.get(0).streamMillis() >= 30_000 && alarms.get(0).streamMillis() <= 40_000,
        alarms.get(0).toString());
    assertEquals(expected, alarms.get(1).state());
    assertTrue(!alarms.get(1).raised());
  }
}
