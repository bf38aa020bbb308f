// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.watchpost.api.detect.Detection;
import org.watchpost.testing.SharedData;

/** Known answers for the decoder on constructed output tensors. */
class YoloxDecoderTest {
  private static final int ROW = 85;
  private static final int ROWS = 3549;
  private static ModelManifest manifest;
  private static List<String> labels;
  private static boolean[] all;

  @BeforeAll
  static void load() throws Exception {
    nu.pattern.OpenCV.loadLocally();
    Path dir = SharedData.projectRoot().resolve("models/yolox-nano");
    manifest = ModelManifest.read(dir.resolve("manifest.json"));
    labels = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      labels.add("class" + i);
    }
    all = new boolean[80];
    Arrays.fill(all, true);
  }

  /**
   * Row index of grid cell (x, y) at a stride: the 52x52, 26x26 and 13x13 grids follow one another.
   */
  private static int row(int stride, int x, int y) {
    return switch (stride) {
      case 8 -> y * 52 + x;
      case 16 -> 52 * 52 + y * 26 + x;
      case 32 -> 52 * 52 + 26 * 26 + y * 13 + x;
      default -> throw new IllegalArgumentException();
    };
  }

  private static void put(
      float[] out,
      int row,
      float rx,
      float ry,
      float rw,
      float rh,
      float objectness,
      int cls,
      float clsScore) {
    int at = row * ROW;
    out[at] = rx;
    out[at + 1] = ry;
    out[at + 2] = rw;
    out[at + 3] = rh;
    out[at + 4] = objectness;
    out[at + 5 + cls] = clsScore;
  }

  @Test
  void decodesGridUnitsToInputPixelsAndUndoesTheLetterbox() {
    float[] out = new float[ROWS * ROW];
    // stride 16, cell (10, 5): centre ((0.5+10)*16, (0.25+5)*16) = (168, 84); size (e^ln2*16,
    // e^ln4*16) = (32, 64)
    put(out, row(16, 10, 5), 0.5f, 0.25f, (float) Math.log(2), (float) Math.log(4), 0.9f, 0, 0.8f);
    YoloxDecoder decoder = new YoloxDecoder(manifest, labels);
    // a 768x576 frame letterboxed into 416: scale 416/768, nothing offset
    Letterbox letterbox = Letterbox.fit(768, 576, 416, 416, 0, 0);
    List<Detection> found =
        decoder.decode(FloatBuffer.wrap(out), letterbox, all, 0.3f, 0.45f, 100, 768, 576);
    assertEquals(1, found.size());
    Detection d = found.get(0);
    double inverse = 768.0 / 416.0;
    assertEquals(0, d.classId());
    assertEquals(0.72f, d.score(), 1e-5);
    assertEquals((168 - 16) * inverse, d.x1(), 1e-3);
    assertEquals((84 - 32) * inverse, d.y1(), 1e-3);
    assertEquals((168 + 16) * inverse, d.x2(), 1e-3);
    assertEquals((84 + 32) * inverse, d.y2(), 1e-3);
  }

  @Test
  void regionOffsetsMoveBoxesIntoWholeFramePixels() {
    float[] out = new float[ROWS * ROW];
    put(out, row(8, 2, 3), 0.5f, 0.5f, 0, 0, 0.9f, 0, 0.9f);
    YoloxDecoder decoder = new YoloxDecoder(manifest, labels);
    // a 208x208 crop at (300, 200) is scaled x2 into 416x416
    Letterbox letterbox = Letterbox.fit(208, 208, 416, 416, 300, 200);
    Detection d =
        decoder.decode(FloatBuffer.wrap(out), letterbox, all, 0.3f, 0.45f, 100, 768, 576).get(0);
    // centre (2.5*8, 3.5*8) = (20, 28), size 8x8 in input pixels; /2 then + offset
    assertEquals(300 + 16 / 2.0, d.x1(), 1e-4);
    assertEquals(200 + 24 / 2.0, d.y1(), 1e-4);
    assertEquals(300 + 24 / 2.0, d.x2(), 1e-4);
    assertEquals(200 + 32 / 2.0, d.y2(), 1e-4);
  }

  @Test
  void nmsIsPerClassAndThresholdsAndClassFilterApply() {
    float[] out = new float[ROWS * ROW];
    // two strongly overlapping class-0 boxes: the weaker goes
    put(out, row(16, 10, 10), 0.5f, 0.5f, 1, 1, 0.95f, 0, 0.9f);
    put(out, row(16, 11, 10), 0.0f, 0.5f, 1, 1, 0.9f, 0, 0.9f);
    // an overlapping box of class 2 stays
    put(out, row(16, 10, 11), 0.5f, 0.0f, 1, 1, 0.9f, 2, 0.9f);
    // below threshold: objectness alone is too low
    put(out, row(32, 1, 1), 0.5f, 0.5f, 0, 0, 0.2f, 0, 1.0f);
    // class 5 is filtered out by the class list
    put(out, row(32, 8, 8), 0.5f, 0.5f, 0, 0, 0.9f, 5, 0.9f);
    boolean[] keep = new boolean[80];
    keep[0] = true;
    keep[2] = true;
    YoloxDecoder decoder = new YoloxDecoder(manifest, labels);
    Letterbox identity = Letterbox.fit(416, 416, 416, 416, 0, 0);
    List<Detection> found =
        decoder.decode(FloatBuffer.wrap(out), identity, keep, 0.3f, 0.45f, 100, 416, 416);
    assertEquals(2, found.size(), found.toString());
    assertEquals(0, found.get(0).classId());
    assertEquals(0.95f * 0.9f, found.get(0).score(), 1e-5);
    assertEquals(2, found.get(1).classId());
    assertTrue(found.get(0).iou(found.get(1)) > 0.45f, "the class-2 box overlaps yet survives");
  }

  @Test
  void boxesAreClippedToTheFrameAndNonFiniteRowsIgnored() {
    float[] out = new float[ROWS * ROW];
    put(out, row(32, 0, 0), -0.5f, -0.5f, 2, 2, 0.9f, 0, 0.9f);
    put(out, row(32, 5, 5), Float.NaN, 0, 0, 0, 0.9f, 0, 0.9f);
    YoloxDecoder decoder = new YoloxDecoder(manifest, labels);
    List<Detection> found =
        decoder.decode(
            FloatBuffer.wrap(out),
            Letterbox.fit(416, 416, 416, 416, 0, 0),
            all,
            0.3f,
            0.45f,
            100,
            416,
            416);
    assertEquals(1, found.size());
    assertEquals(0, found.get(0).x1());
    assertEquals(0, found.get(0).y1());
  }
}
