// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.motion;

import java.util.List;
import org.watchpost.analytics.internal.track.Box;

/**
 * What moved on one frame.
 *
 * @param regions connected regions of change large enough to matter, frame pixels
 * @param share share of the frame that changed
 * @param global most of the frame changed at once (light, camera shake): regions say nothing about
 *     objects
 */
public record MotionResult(List<Box> regions, double share, boolean global) {
  public MotionResult {
    regions = List.copyOf(regions);
  }

  public boolean any() {
    return !regions.isEmpty() || global;
  }
}
