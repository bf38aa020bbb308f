// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.frame;

import java.util.Objects;

/**
 * What to open.
 *
 * @param cameraId the camera's id, carried by every frame
 * @param uri a file path, {@code file:} URI, {@code /dev/videoN}, {@code v4l2:N}, {@code rtsp://}
 *     or {@code http(s)://}
 * @param loop restart a file source at its end instead of ending
 * @param realtime deliver a file's frames at its own frame rate, as a live camera would; otherwise
 *     as fast as they are read
 */
public record SourceSpec(String cameraId, String uri, boolean loop, boolean realtime) {
  public SourceSpec {
    Objects.requireNonNull(cameraId, "cameraId");
    Objects.requireNonNull(uri, "uri");
    if (cameraId.isBlank()) {
      throw new IllegalArgumentException("cameraId must not be blank");
    }
    if (uri.isBlank()) {
      throw new IllegalArgumentException("source uri of camera " + cameraId + " must not be blank");
    }
  }
}
