// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import java.util.List;
import org.opencv.core.Mat;
import org.watchpost.api.detect.Detection;

/** One detector call travelling through DJL's predictor: what goes in, what each stage cost. */
final class YoloxCall {
  final Mat image;
  final int offsetX;
  final int offsetY;
  final int frameWidth;
  final int frameHeight;
  final YoloxPreprocessor preprocessor;
  long startNanos;
  long preprocessedNanos;
  long inferredNanos;
  long decodedNanos;
  List<Detection> detections;

  /** When set, the translator also describes the raw output (model validation). */
  OutputStats outputStats;

  YoloxCall(
      Mat image,
      int offsetX,
      int offsetY,
      int frameWidth,
      int frameHeight,
      YoloxPreprocessor preprocessor) {
    this.image = image;
    this.offsetX = offsetX;
    this.offsetY = offsetY;
    this.frameWidth = frameWidth;
    this.frameHeight = frameHeight;
    this.preprocessor = preprocessor;
  }

  /** The raw output of one inference, seen from the inside. */
  static final class OutputStats {
    long[] shape;
    long nonFinite;
    long scoresOutOfRange;
    long rowsOverThreshold;
    long rows;
  }
}
