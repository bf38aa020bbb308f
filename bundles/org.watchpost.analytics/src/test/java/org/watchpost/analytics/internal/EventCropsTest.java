// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.imgcodecs.Imgcodecs;
import org.watchpost.analytics.internal.track.Box;

/** Event crops of a person on the first vtest frame fit the byte cap and decode. */
class EventCropsTest {

  @Test
  void cropsFitTheirCapAndAreRealJpegs() {
    nu.pattern.OpenCV.loadLocally();
    Vtest.frames(
        1,
        frame -> {
          Box person = new Box(245, 220, 290, 310);
          for (int cap : new int[] {16_384, 2_000, 1_200}) {
            byte[] jpeg = EventCrops.encode(frame, person, cap);
            assertNotNull(jpeg, "a person crop fits in " + cap + " bytes");
            assertTrue(jpeg.length <= cap, jpeg.length + " > " + cap);
            Mat decoded = Imgcodecs.imdecode(new MatOfByte(jpeg), Imgcodecs.IMREAD_COLOR);
            assertFalse(decoded.empty(), "decodes");
            assertTrue(decoded.cols() >= 8 && decoded.rows() >= 8);
            decoded.release();
          }
          assertTrue(
              EventCrops.encode(frame, new Box(0, 0, 768, 576), 100) == null,
              "nothing fits 100 bytes: left out");
        });
  }
}
