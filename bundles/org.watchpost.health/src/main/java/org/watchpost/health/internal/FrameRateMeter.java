// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

/**
 * The source's frame rate over a recent window, from the frames' sequence numbers and camera times,
 * so that frames the pipeline skipped still count as delivered by the camera.
 */
final class FrameRateMeter {
  private static final int CAPACITY = 1024;

  private final long[] times = new long[CAPACITY];
  private final long[] sequences = new long[CAPACITY];
  private int first;
  private int size;

  void add(long cameraMillis, long sequence) {
    if (size == CAPACITY) {
      first = (first + 1) % CAPACITY;
      size--;
    }
    int slot = (first + size) % CAPACITY;
    times[slot] = cameraMillis;
    sequences[slot] = sequence;
    size++;
  }

  void reset() {
    size = 0;
  }

  /**
   * Frames per second over the last {@code windowMillis}, or NaN until at least half a window was
   * seen.
   */
  double fps(long windowMillis) {
    if (size < 2) {
      return Double.NaN;
    }
    int last = (first + size - 1) % CAPACITY;
    while (size > 2 && times[last] - times[(first + 1) % CAPACITY] >= windowMillis) {
      first = (first + 1) % CAPACITY;
      size--;
    }
    long span = times[last] - times[first];
    if (span <= 0 || span < windowMillis / 2) {
      return Double.NaN;
    }
    return (sequences[last] - sequences[first]) * 1000.0 / span;
  }
}
