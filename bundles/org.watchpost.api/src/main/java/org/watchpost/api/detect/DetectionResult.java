// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

import java.util.List;

/**
 * What the detector found in one frame, and what each stage cost.
 *
 * @param detections the kept detections after NMS, boxes in source-frame pixels
 * @param preprocessNanos letterbox, colour and tensor fill
 * @param inferenceNanos the model itself
 * @param postprocessNanos decode, NMS and mapping back to frame pixels
 * @param model the model that produced them
 */
public record DetectionResult(
    List<Detection> detections,
    long preprocessNanos,
    long inferenceNanos,
    long postprocessNanos,
    ModelInfo model) {
  public DetectionResult {
    detections = List.copyOf(detections);
  }

  public long totalNanos() {
    return preprocessNanos + inferenceNanos + postprocessNanos;
  }
}
