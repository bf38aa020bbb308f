// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FrameRateTest {
  private static final long MS = 1_000_000L;

  @Test
  void theRateOfTheFramesWithinTheWindowAndZeroOnceTheyStop() {
    FrameRate rate = new FrameRate(64, 3_000 * MS);
    assertEquals(0, rate.perSecond(0), "no frames yet");
    for (int i = 0; i < 200; i++) {
      rate.frame(i * 100 * MS);
    }
    assertEquals(10, rate.perSecond(19_900 * MS), 1e-9, "10 fps over the last 3 s");
    for (int i = 0; i < 20; i++) {
      rate.frame(20_000 * MS + i * 250 * MS);
    }
    assertEquals(
        4, rate.perSecond(24_750 * MS), 1e-9, "the rate follows a slower camera within the window");
    assertEquals(
        0, rate.perSecond(30_000 * MS), "a camera whose frames stopped reads 0 after the window");
  }
}
