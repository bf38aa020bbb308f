// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.motion;

/**
 * Motion gate tuning.
 *
 * @param width width the frame is scaled down to before background subtraction (height keeps the
 *     aspect)
 * @param history frames of history of the background model
 * @param threshold MOG2 variance threshold: lower is more sensitive
 * @param minArea least share of the frame a motion region must cover
 */
public record MotionSettings(int width, int history, double threshold, double minArea) {
  public MotionSettings {
    if (width < 32 || width > 1920) {
      throw new IllegalArgumentException("motion_width must be 32..1920, was " + width);
    }
    if (history < 2) {
      throw new IllegalArgumentException("motion_history must be at least 2, was " + history);
    }
    if (!(threshold > 0)) {
      throw new IllegalArgumentException("motion_threshold must be positive, was " + threshold);
    }
    if (!(minArea >= 0 && minArea < 1)) {
      throw new IllegalArgumentException("motion_min_area must be in [0, 1), was " + minArea);
    }
  }
}
