// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.util.Arrays;

/**
 * What one camera normally looks like, learned from its own frames; relative checks compare against
 * it. The reference view for MOVED is kept beside it (see {@link StoredBaseline}).
 *
 * @param frameWidth the frame size it was learned at; another size needs another baseline
 * @param frameHeight see frameWidth
 * @param meanLuma normal mean brightness
 * @param saturatedShare normal share of saturated pixels
 * @param sharpness normal sharpness (Laplacian spread per unit of contrast)
 * @param differenceFloor the quietest normal change between analysed frames (10th percentile)
 * @param fps normal source frame rate, or 0 when unknown
 * @param cellStd normal grey-level spread per grid cell
 * @param samples analysed frames it was learned from
 * @param learnedAtMillis capture time when learning finished, epoch ms
 */
record Baseline(
    int frameWidth,
    int frameHeight,
    double meanLuma,
    double saturatedShare,
    double sharpness,
    double differenceFloor,
    double fps,
    double[] cellStd,
    int samples,
    long learnedAtMillis) {

  Baseline {
    cellStd = cellStd.clone();
  }

  @Override
  public double[] cellStd() {
    return cellStd.clone();
  }

  double cellStd(int index) {
    return cellStd[index];
  }

  int cells() {
    return cellStd.length;
  }

  /** The baseline moved a step of {@code alpha} (0..1) towards a healthy frame. */
  Baseline adaptedTowards(FrameMeasurement frame, double currentFps, double alpha) {
    double[] cells = cellStd.clone();
    double[] seen = frame.cellStd();
    for (int i = 0; i < cells.length; i++) {
      cells[i] += alpha * (seen[i] - cells[i]);
    }
    double newFps = fps > 0 && currentFps > 0 ? fps + alpha * (currentFps - fps) : fps;
    return new Baseline(
        frameWidth,
        frameHeight,
        meanLuma + alpha * (frame.meanLuma() - meanLuma),
        saturatedShare + alpha * (frame.saturatedShare() - saturatedShare),
        sharpness + alpha * (frame.sharpness() - sharpness),
        differenceFloor,
        newFps,
        cells,
        samples,
        learnedAtMillis);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Baseline b
        && frameWidth == b.frameWidth
        && frameHeight == b.frameHeight
        && Double.compare(meanLuma, b.meanLuma) == 0
        && Double.compare(saturatedShare, b.saturatedShare) == 0
        && Double.compare(sharpness, b.sharpness) == 0
        && Double.compare(differenceFloor, b.differenceFloor) == 0
        && Double.compare(fps, b.fps) == 0
        && Arrays.equals(cellStd, b.cellStd)
        && samples == b.samples
        && learnedAtMillis == b.learnedAtMillis;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(cellStd) * 31 + Double.hashCode(meanLuma);
  }

  @Override
  public String toString() {
    return String.format(
        java.util.Locale.ROOT,
        "Baseline[%dx%d luma %.1f saturated %.3f sharpness %.3f quietest change %.2f fps %.1f, %d samples]",
        frameWidth,
        frameHeight,
        meanLuma,
        saturatedShare,
        sharpness,
        differenceFloor,
        fps,
        samples);
  }
}
