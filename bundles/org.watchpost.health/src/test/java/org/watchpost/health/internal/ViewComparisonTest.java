// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opencv.core.Core;
import org.opencv.core.Mat;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

/**
 * The view's comparison with the reference must not change either side. OpenCV's phaseCorrelate
 * multiplies its inputs by the window in place when their size is already a good DFT size (192x144,
 * the coarse size of 768x576 frames): the reference was windowed again at every comparison, kept
 * only what it had taken in during the last seconds, and took in a shifted view before MOVED could
 * be raised (border-post-8's missed shift on yard-e).
 */
class ViewComparisonTest {
  @Test
  void comparingTheViewLeavesTheReferenceAndTheRecentViewAsTheyWere() {
    nu.pattern.OpenCV.loadLocally();
    try (FrameAnalyzer analyzer = new FrameAnalyzer(768, 576)) {
      Random random = new Random(17);
      analyzer.measure(frame(random, 0), null, 0.25, false);
      Mat reference = analyzer.structure().clone();
      Mat before = reference.clone();
      for (int i = 1; i <= 3; i++) {
        analyzer.measure(frame(random, i), reference, 0.25, true);
      }
      assertEquals(
          0.0,
          Core.norm(reference, before, Core.NORM_INF),
          "the reference changed by being compared");
      reference.release();
      before.release();
    }
  }

  private static Frame frame(Random random, long n) {
    byte[] pixels = new byte[768 * 576 * 3];
    random.nextBytes(pixels);
    ByteBuffer buffer = ByteBuffer.allocateDirect(pixels.length);
    buffer.put(pixels).flip();
    return new Frame("cam", n, n * 100, n * 100, 0, 768, 576, buffer, () -> {});
  }

  /**
   * The reproduction: a 5 % shift two minutes into a looping vtest (the reference has adapted for
   * 110 s).
   */
  @Test
  @Timeout(180)
  void aShiftTwoMinutesInIsRaisedAsMoved() throws Exception {
    CameraHealthComponent health =
        new CameraHealthComponent(
            Configs.with(
                CameraHealthConfig.class,
                Map.of(
                    "baseline_dir",
                    SharedData.scratchDirectory("baselines-late-shift").toString())));
    RecordingSink sink = new RecordingSink();
    health.addSink(sink);
    ClipRun.play(
        health, "cam", ClipRun.vtest(), FaultSchedule.parse("shift@120-150"), 160_000, true);
    health.deactivate();
    List<HealthAlarm> raised = sink.alarms.stream().filter(HealthAlarm::raised).toList();
    assertEquals(1, raised.size(), "one alarm raised: " + sink.alarms);
    assertEquals(CameraState.MOVED, raised.get(0).state(), raised.get(0).reason());
    assertTrue(
        raised.get(0).streamMillis() >= 120_000 && raised.get(0).streamMillis() <= 130_000,
        "raised at " + raised.get(0).streamMillis() + " ms");
  }
}
