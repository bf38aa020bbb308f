// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.watchpost.testing.SharedData;

/** Known answers for letterbox and tensor layout on constructed images. */
class YoloxPreprocessorTest {
  private static ModelManifest manifest;

  @BeforeAll
  static void load() throws Exception {
    nu.pattern.OpenCV.loadLocally();
    manifest =
        ModelManifest.read(SharedData.projectRoot().resolve("models/yolox-nano/manifest.json"));
  }

  private static float at(FloatBuffer tensor, int channel, int y, int x) {
    return tensor.get(channel * 416 * 416 + y * 416 + x);
  }

  @Test
  void wideFrameIsScaledToTheWidthPaddedBelowWithPlanarBgr() {
    // 832x416 frame: blue (B=200,G=10,R=20) left half, green (B=0,G=255,R=0) right half.
    Mat image = new Mat(416, 832, CvType.CV_8UC3, new Scalar(200, 10, 20));
    image.submat(new Rect(416, 0, 416, 416)).setTo(new Scalar(0, 255, 0));
    try (YoloxPreprocessor preprocessor = new YoloxPreprocessor(manifest.input())) {
      Letterbox letterbox = preprocessor.fill(image, 0, 0);
      assertEquals(0.5, letterbox.scale(), 1e-12);
      assertEquals(416, letterbox.scaledWidth());
      assertEquals(208, letterbox.scaledHeight());
      FloatBuffer tensor = preprocessor.tensor();
      assertEquals(3 * 416 * 416, tensor.remaining());
      // top-left: the blue half, channel order B, G, R, raw 0..255
      assertEquals(200, at(tensor, 0, 10, 10), 1e-3);
      assertEquals(10, at(tensor, 1, 10, 10), 1e-3);
      assertEquals(20, at(tensor, 2, 10, 10), 1e-3);
      // right half in the input is the green half of the frame
      assertEquals(0, at(tensor, 0, 100, 400), 1e-3);
      assertEquals(255, at(tensor, 1, 100, 400), 1e-3);
      // below the scaled image: padding 114 in every channel
      for (int c = 0; c < 3; c++) {
        assertEquals(114, at(tensor, c, 300, 200), 1e-3);
        assertEquals(114, at(tensor, c, 415, 415), 1e-3);
      }
    } finally {
      image.release();
    }
  }

  @Test
  void reusedBufferIsFullyRewrittenForASmallerRegion() {
    Mat big = new Mat(576, 768, CvType.CV_8UC3, new Scalar(50, 60, 70));
    Mat small = new Mat(104, 208, CvType.CV_8UC3, new Scalar(1, 2, 3));
    try (YoloxPreprocessor preprocessor = new YoloxPreprocessor(manifest.input())) {
      preprocessor.fill(big, 0, 0);
      Letterbox letterbox = preprocessor.fill(small, 40, 30);
      // scaled up x2 to 416x208; the old content must be gone from the padding
      assertEquals(2.0, letterbox.scale(), 1e-12);
      FloatBuffer tensor = preprocessor.tensor();
      assertEquals(1, at(tensor, 0, 0, 0), 1e-3);
      assertEquals(3, at(tensor, 2, 207, 415), 1e-3);
      assertEquals(114, at(tensor, 1, 208, 0), 1e-3);
      assertEquals(40 + 10, letterbox.toFrameX(20), 1e-6);
      assertTrue(preprocessor.tensorBytes().isDirect());
    } finally {
      big.release();
      small.release();
    }
  }
}
