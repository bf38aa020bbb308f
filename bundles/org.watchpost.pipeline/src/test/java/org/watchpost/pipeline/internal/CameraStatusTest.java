// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.watchpost.pipeline.internal.PipelineRig.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.watchpost.api.pipeline.CameraStatus;

/**
 * A camera's status tells how often the shared detector ran on its frames, beside how many frames
 * came.
 */
class CameraStatusTest {
  @Test
  void theStatusCarriesTheCamerasDetectionRate() {
    PipelineRig rig = new PipelineRig();
    CameraPipeline pipeline =
        rig.pipeline("rate", PipelineRig.detector(), Supervision.DEFAULT, (id, e) -> {});
    assertTrue(
        Double.isNaN(
            new CameraStatus("old", pipeline.status().source(), 1, 1, 1, 0).detectionsPerSecond()));
    pipeline.start();
    try {
      await(() -> pipeline.status().frames() >= 30, Duration.ofSeconds(60), "30 frames");
      CameraStatus status = pipeline.status();
      // Without analytics the detector runs on every frame the pipeline takes: the two rates agree.
      assertTrue(
          status.detectionsPerSecond() > status.framesPerSecond() / 2
              && status.detectionsPerSecond() < status.framesPerSecond() * 2,
          status.toString());
    } finally {
      pipeline.stop();
    }
  }
}
