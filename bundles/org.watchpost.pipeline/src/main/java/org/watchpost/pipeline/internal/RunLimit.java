// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

/**
 * When a camera's run ends on its own: after a number of frames taken, or after a span of capture
 * time (a simulated camera plays a set number of its own seconds whatever share of its frames a
 * busy box analyses).
 *
 * @param frames frames taken; 0 for no limit
 * @param captureMillis capture time from the first frame taken; 0 for no limit
 */
record RunLimit(long frames, long captureMillis) {
  static final RunLimit NONE = new RunLimit(0, 0);

  RunLimit {
    if (frames < 0 || captureMillis < 0) {
      throw new IllegalArgumentException("limits must not be negative");
    }
  }

  /**
   * Whether the run is over after {@code framesTaken} frames, the last captured {@code spanMillis}
   * after the first.
   */
  boolean reached(long framesTaken, long spanMillis) {
    return (frames > 0 && framesTaken >= frames)
        || (captureMillis > 0 && spanMillis >= captureMillis);
  }
}
