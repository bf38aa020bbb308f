// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

/**
 * Frames per second over the most recent frames within a window: written by the pipeline thread,
 * read by any. A camera whose frames stopped reads 0 once the window has passed.
 */
final class FrameRate {
  private final long[] times;
  private final long windowNanos;
  private int size;
  private int next;

  FrameRate(int frames, long windowNanos) {
    this.times = new long[frames];
    this.windowNanos = windowNanos;
  }

  synchronized void frame(long nanos) {
    times[next] = nanos;
    next = (next + 1) % times.length;
    size = Math.min(size + 1, times.length);
  }

  synchronized double perSecond(long nowNanos) {
    int counted = 0;
    long oldest = nowNanos;
    for (int i = 1; i <= size; i++) {
      long t = times[Math.floorMod(next - i, times.length)];
      if (nowNanos - t > windowNanos) {
        break;
      }
      counted++;
      oldest = t;
    }
    if (counted < 2) {
      return 0;
    }
    long newest = times[Math.floorMod(next - 1, times.length)];
    return (counted - 1) * 1e9 / Math.max(1, newest - oldest);
  }
}
