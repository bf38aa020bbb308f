// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import java.util.Objects;
import org.watchpost.api.frame.SourceStatus;

/**
 * What one camera's pipeline is doing right now.
 *
 * @param cameraId the camera
 * @param source its source's state
 * @param framesPerSecond frames the pipeline took per second over the last few seconds; 0 when none
 *     came
 * @param inferenceMillis median detector time per run over the recent past, ms; NaN before the
 *     detector ran
 * @param frames frames taken since the pipeline started
 * @param skippedFrames frames replaced before the pipeline took them (newest-wins hand-off)
 * @param detectionsPerSecond frames the detector ran on per second over the last few seconds (since
 *     1.5.0)
 */
public record CameraStatus(
    String cameraId,
    SourceStatus source,
    double framesPerSecond,
    double inferenceMillis,
    long frames,
    long skippedFrames,
    double detectionsPerSecond) {
  public CameraStatus {
    Objects.requireNonNull(cameraId, "cameraId");
    Objects.requireNonNull(source, "source");
  }

  /** A status without a detection rate (before 1.5.0): NaN. */
  public CameraStatus(
      String cameraId,
      SourceStatus source,
      double framesPerSecond,
      double inferenceMillis,
      long frames,
      long skippedFrames) {
    this(cameraId, source, framesPerSecond, inferenceMillis, frames, skippedFrames, Double.NaN);
  }
}
