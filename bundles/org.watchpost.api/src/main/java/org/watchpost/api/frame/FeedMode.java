// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.frame;

/** How a {@link FrameFeed} hands frames from the capture thread to the consumer. */
public enum FeedMode {
  /**
   * Real time over completeness: a frame that arrives while the consumer is busy replaces the
   * waiting one.
   */
  NEWEST_WINS,
  /**
   * Every frame is delivered; the capture thread waits for the consumer (recorded files, tests,
   * benchmarks).
   */
  EVERY_FRAME
}
