// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

/**
 * One inference seen from the inside, for validating a model before it serves.
 *
 * @param result the detections and timings, as {@link Detector#detect} would return them
 * @param outputShape the shape of the raw output tensor the runtime returned
 * @param nonFinite raw output values that are NaN or infinite
 * @param scoresOutOfRange objectness and class scores outside [0, 1]
 * @param rowsOverThreshold output rows whose objectness reaches the score threshold (before NMS)
 * @param rows output rows in all
 */
public record ModelProbe(
    DetectionResult result,
    long[] outputShape,
    long nonFinite,
    long scoresOutOfRange,
    long rowsOverThreshold,
    long rows) {
  public ModelProbe {
    outputShape = outputShape.clone();
  }

  @Override
  public long[] outputShape() {
    return outputShape.clone();
  }
}
