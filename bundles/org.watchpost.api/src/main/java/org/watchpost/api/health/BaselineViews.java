// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.health;

import java.util.Map;
import java.util.Objects;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What camera health learned as each camera's normal view, for a local display that puts it beside
 * the current one (a MOVED camera is obvious when both are seen). Registered by camera health;
 * cheap, any thread.
 */
@ProviderType
public interface BaselineViews {

  /** The camera's learned baseline, or null while none is learned. */
  LearnedView reference(String cameraId);

  /**
   * @param figures the learned figures by name (mean_luma, saturated_share, sharpness, fps,
   *     samples, learned_at_ms...)
   * @param width width of the reference view (health's coarse analysis size)
   * @param height its height
   * @param grey the reference view, 8-bit grey, row by row, {@code width * height} bytes
   */
  record LearnedView(Map<String, Object> figures, int width, int height, byte[] grey) {
    public LearnedView {
      figures = Map.copyOf(figures);
      Objects.requireNonNull(grey, "grey");
      if (width <= 0 || height <= 0 || grey.length != width * height) {
        throw new IllegalArgumentException(
            "reference of " + grey.length + " bytes is not " + width + "x" + height);
      }
      grey = grey.clone();
    }

    @Override
    public byte[] grey() {
      return grey.clone();
    }
  }
}
