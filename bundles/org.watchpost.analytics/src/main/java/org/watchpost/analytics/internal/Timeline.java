// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

/**
 * One camera's analytics time. Every timer (tracks lost and expiring, dwell, cooldowns, incidents,
 * count intervals, the load governor) runs on the frames' stream time, which is monotonic (a live
 * source counts it from System.nanoTime, a file from its own timestamps), anchored once to the wall
 * clock of the first frame so that count intervals still start on round times of the day. The wall
 * clock, which NTP or an operator may step by hours, only labels what goes out ({@link
 * #label(long)}) and arms schedules, which are about the time of day. It never runs backwards: a
 * stream that starts again from 0 continues where the last one stopped.
 */
final class Timeline {
  private static final long NONE = Long.MIN_VALUE;

  private long anchor = NONE;
  private long last = NONE;
  private long wallOffset;

  /**
   * @return the engine's time for this frame
   */
  long advance(long streamMillis, long captureEpochMillis) {
    if (anchor == NONE) {
      anchor = captureEpochMillis - streamMillis;
    }
    long now = streamMillis + anchor;
    if (last != NONE && now <= last) {
      anchor += last + 1 - now;
      now = last + 1;
    }
    last = now;
    wallOffset = captureEpochMillis - now;
    return now;
  }

  boolean started() {
    return last != NONE;
  }

  /** The time of the last frame. */
  long now() {
    return last;
  }

  /** How far the wall clock is ahead of this time now: 0 until the wall clock is stepped. */
  long wallOffset() {
    return wallOffset;
  }

  /** A time of this timeline as wall-clock epoch milliseconds, for what goes out. */
  long label(long millis) {
    return millis + wallOffset;
  }
}
