// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

/**
 * Camera time: milliseconds since the camera's first frame, taken from the frames' stream times
 * (monotonic for a live source, the position in a recording) so that a recorded clip can be judged
 * faster than real time and a stepped wall clock moves nothing. It never runs backwards: a time
 * that jumps back, or forward by more than a step limit, is a discontinuity, counted, and crossed
 * as one limited step.
 */
final class FrameClock {
  private static final long NONE = Long.MIN_VALUE;

  private long lastSource = NONE;
  private long now;
  private long backwardJumps;
  private long gaps;

  /**
   * @return true when continuity broke (first frame, clock went back, or a step beyond {@code
   *     maxStepMillis})
   */
  boolean advance(long sourceMillis, long maxStepMillis) {
    if (lastSource == NONE) {
      lastSource = sourceMillis;
      return true;
    }
    long step = sourceMillis - lastSource;
    lastSource = sourceMillis;
    if (step < 0) {
      backwardJumps++;
      return true;
    }
    if (step > maxStepMillis) {
      gaps++;
      now += maxStepMillis;
      return true;
    }
    now += step;
    return false;
  }

  long now() {
    return now;
  }

  long backwardJumps() {
    return backwardJumps;
  }

  long gaps() {
    return gaps;
  }
}
