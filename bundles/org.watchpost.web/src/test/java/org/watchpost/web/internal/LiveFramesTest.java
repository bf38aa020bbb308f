// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.pipeline.LiveScene;
import org.watchpost.api.pipeline.RuleShape;
import org.watchpost.testing.MatLedger;

/** What the live view draws, and that it renders nothing unless someone watches. */
// Isolated: the Mat ledger counts every Mat of the JVM, so no other test may make Mats while it
// records.
@Isolated
class LiveFramesTest {
  @BeforeAll
  static void opencv() {
    nu.pattern.OpenCV.loadLocally();
  }

  private static Frame grey(int w, int h, int level) {
    ByteBuffer pixels = ByteBuffer.allocateDirect(w * h * 3);
    for (int i = 0; i < w * h * 3; i++) {
      pixels.put((byte) level);
    }
    return new Frame("cam", 1, 0, 0, 0, w, h, pixels.flip(), null);
  }

  private static double[] pixel(byte[] jpeg, int x, int y) {
    Mat image = Imgcodecs.imdecode(new MatOfByte(jpeg), Imgcodecs.IMREAD_COLOR);
    return image.get(y, x);
  }

  @Test
  void boxesMasksZonesAndLinesAreDrawnWhereTheyBelong() {
    LiveScene scene =
        new LiveScene(
            List.of(
                new LiveScene.LiveObject(
                    7, "person", 0.9f, new LiveScene.Box(100, 100, 200, 300), true)),
            List.of(),
            false,
            List.of(
                new RuleShape(
                    "mask",
                    "motion_mask",
                    List.of(
                        new double[] {0.6, 0.05},
                        new double[] {0.9, 0.05},
                        new double[] {0.9, 0.3},
                        new double[] {0.6, 0.3}),
                    "both"),
                new RuleShape(
                    "path",
                    "line_crossing",
                    List.of(new double[] {0.5, 0.5}, new double[] {0.5, 0.9}),
                    "in")),
            false);
    byte[] jpeg = LiveFrames.render(grey(640, 480, 200), scene, 640, 90);
    double[] edge = pixel(jpeg, 100, 200);
    assertTrue(
        edge[0] > 180 && edge[1] < 90 && edge[2] > 180,
        "a magenta box edge: " + java.util.Arrays.toString(edge));
    double[] inside = pixel(jpeg, 150, 200);
    assertTrue(Math.abs(inside[1] - 200) < 10, "inside the box untouched");
    double[] masked = pixel(jpeg, 480, 80);
    assertTrue(masked[1] < 130, "the motion mask shaded: " + java.util.Arrays.toString(masked));
    double[] line = pixel(jpeg, 320, 380);
    assertTrue(
        line[2] > 200 && line[0] < 80, "the orange line: " + java.util.Arrays.toString(line));
  }

  @Test
  void nothingIsRenderedUnlessSomeoneWatches() {
    AtomicLong now = new AtomicLong(1_000_000_000L);
    LiveFrames live = new LiveFrames(now::get);
    live.configure(4, 3, 640, 70);
    assertFalse(live.wants("cam"), "nobody watches");
    live.watch("cam");
    assertTrue(live.wants("cam"));
    live.offer(grey(64, 48, 100), LiveScene.EMPTY);
    assertEquals(1, live.framesRendered.sum());
    assertFalse(live.wants("cam"), "not due again before 250 ms");
    now.addAndGet(260_000_000L);
    assertTrue(live.wants("cam"));
    now.addAndGet(3_100_000_000L);
    assertFalse(live.wants("cam"), "the viewer left: the linger time passed");
    assertEquals(0, live.watched(), "and the camera is forgotten");
  }

  /**
   * Issue 19: the live view renders a few frames a second for as long as someone watches; every Mat
   * it makes (JPEG parameters, polygons, overlays) is released on the way, none left to the
   * finaliser.
   */
  @Test
  void renderingReleasesEveryMatItMakes() {
    MatLedger.install();
    LiveScene scene =
        new LiveScene(
            List.of(
                new LiveScene.LiveObject(
                    7, "person", 0.9f, new LiveScene.Box(10, 10, 30, 40), true)),
            List.of(new LiveScene.Box(5, 5, 20, 20)),
            false,
            List.of(
                new RuleShape(
                    "mask",
                    "motion_mask",
                    List.of(
                        new double[] {0.6, 0.05},
                        new double[] {0.9, 0.05},
                        new double[] {0.9, 0.3},
                        new double[] {0.6, 0.3}),
                    "both"),
                new RuleShape(
                    "lawn",
                    "zone_intrusion",
                    List.of(
                        new double[] {0.1, 0.5},
                        new double[] {0.6, 0.5},
                        new double[] {0.6, 1},
                        new double[] {0.1, 1}),
                    "both"),
                new RuleShape(
                    "path",
                    "line_crossing",
                    List.of(new double[] {0.5, 0.5}, new double[] {0.5, 0.9}),
                    "in")),
            false);
    int renders = 1_000;
    MatLedger.start();
    try {
      for (int i = 0; i < renders; i++) {
        try (Frame frame = grey(64, 48, i % 256)) {
          assertTrue(LiveFrames.render(frame, scene, 48, 70).length > 0);
        }
        assertTrue(LiveFrames.grey(8, 6, new byte[48], 32).length > 0);
      }
    } finally {
      MatLedger.stop();
    }
    assertTrue(
        MatLedger.made() > 5L * renders, "the ledger sees the renders' Mats: " + MatLedger.made());
    assertEquals(
        java.util.Map.of(),
        MatLedger.unreleasedBySite(),
        "Mats left to the finaliser, by site; made "
            + MatLedger.made()
            + ", released "
            + MatLedger.released());
    // What remains is OpenCV's own: fillPoly's List argument becomes a Mat its wrapper does not
    // release (one per
    // motion mask drawn, only while someone watches); nothing else may go that way.
    assertEquals(
        java.util.Set.of(),
        MatLedger.wrapperTemporariesBySite().keySet().stream()
            .filter(site -> !site.startsWith(LiveFrames.class.getName() + ".draw"))
            .collect(java.util.stream.Collectors.toSet()));
    assertTrue(
        MatLedger.wrapperTemporariesBySite().values().stream().mapToInt(Integer::intValue).sum()
            <= renders,
        "at most one wrapper temporary per render (the mask's fill): "
            + MatLedger.wrapperTemporariesBySite());
  }
}
