// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RunLimitTest {

  @Test
  void noLimitNeverEnds() {
    assertFalse(RunLimit.NONE.reached(Long.MAX_VALUE, Long.MAX_VALUE));
  }

  @Test
  void aFrameLimitEndsOnItsFrameWhateverTheTime() {
    RunLimit limit = new RunLimit(100, 0);
    assertFalse(limit.reached(99, 3_600_000));
    assertTrue(limit.reached(100, 0));
  }

  @Test
  void aTimeLimitEndsOnCaptureTimeWhateverShareOfFramesWasTaken() {
    RunLimit limit = new RunLimit(0, 60_000);
    assertFalse(limit.reached(1_000_000, 59_999));
    assertTrue(limit.reached(3, 60_000));
  }

  @Test
  void whicheverComesFirst() {
    RunLimit limit = new RunLimit(600, 60_000);
    assertTrue(limit.reached(600, 10_000));
    assertTrue(limit.reached(200, 60_000));
    assertFalse(limit.reached(599, 59_999));
  }

  @Test
  void negativeLimitsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RunLimit(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> new RunLimit(0, -1));
  }
}
