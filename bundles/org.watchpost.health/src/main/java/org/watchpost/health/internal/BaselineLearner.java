// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Learns a camera's baseline from its first healthy-looking frames: medians of every measure, and
 * the mean structure (gradient magnitude) as the reference view, from which moving people average
 * out.
 */
final class BaselineLearner implements AutoCloseable {
  /** Fewer samples than this say too little, whatever the learning time. */
  static final int MIN_SAMPLES = 5;

  private final int frameWidth;
  private final int frameHeight;
  private final List<FrameMeasurement> samples = new ArrayList<>();
  private final List<Double> rates = new ArrayList<>();
  private final Mat sum;
  private long startedAt = Long.MIN_VALUE;

  BaselineLearner(int frameWidth, int frameHeight, Size coarseSize) {
    this.frameWidth = frameWidth;
    this.frameHeight = frameHeight;
    this.sum = Mat.zeros(coarseSize, CvType.CV_32F);
  }

  void add(FrameMeasurement frame, Mat structure, double fps, long cameraMillis) {
    if (startedAt == Long.MIN_VALUE) {
      startedAt = cameraMillis;
    }
    samples.add(frame);
    if (fps > 0) {
      rates.add(fps);
    }
    Imgproc.accumulate(structure, sum);
  }

  int samples() {
    return samples.size();
  }

  boolean ready(long cameraMillis, long learnMillis) {
    return samples.size() >= MIN_SAMPLES && cameraMillis - startedAt >= learnMillis;
  }

  Baseline baseline(long learnedAtMillis) {
    int cells = samples.get(0).cellStd().length;
    double[] cellStd = new double[cells];
    for (int i = 0; i < cells; i++) {
      int cell = i;
      cellStd[i] = percentile(samples.stream().mapToDouble(s -> s.cellStd()[cell]).toArray(), 0.5);
    }
    double[] differences =
        samples.stream()
            .mapToDouble(FrameMeasurement::difference)
            .filter(d -> !Double.isNaN(d))
            .toArray();
    return new Baseline(
        frameWidth,
        frameHeight,
        percentile(samples.stream().mapToDouble(FrameMeasurement::meanLuma).toArray(), 0.5),
        percentile(samples.stream().mapToDouble(FrameMeasurement::saturatedShare).toArray(), 0.5),
        percentile(samples.stream().mapToDouble(FrameMeasurement::sharpness).toArray(), 0.5),
        differences.length == 0 ? 0 : percentile(differences, 0.1),
        rates.isEmpty()
            ? 0
            : percentile(rates.stream().mapToDouble(Double::doubleValue).toArray(), 0.5),
        cellStd,
        samples.size(),
        learnedAtMillis);
  }

  /** The mean of the learned structures, CV_32F; the caller owns it. */
  Mat reference() {
    Mat reference = new Mat();
    Core.multiply(sum, new org.opencv.core.Scalar(1.0 / samples.size()), reference);
    return reference;
  }

  static double percentile(double[] values, double share) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
  }

  @Override
  public void close() {
    sum.release();
  }
}
