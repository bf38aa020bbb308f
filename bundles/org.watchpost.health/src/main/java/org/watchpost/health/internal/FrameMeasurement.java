// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

/**
 * What one analysed frame looked like.
 *
 * @param meanLuma mean grey level, 0..255
 * @param lumaStd spread of grey levels (global contrast)
 * @param saturatedShare share of the view at or above grey 250
 * @param laplacianSpread mean absolute Laplacian at analysis resolution: fine detail
 * @param sharpness {@code laplacianSpread} per unit of contrast, so that dimming does not look like
 *     blur
 * @param cellStd grey-level spread per grid cell, row by row ({@link FrameAnalyzer#GRID_COLUMNS}
 *     wide)
 * @param difference mean absolute grey difference to the previous analysed frame, NaN when there is
 *     none
 * @param shiftX horizontal shift of the view against the reference, share of the width, NaN without
 *     reference
 * @param shiftY vertical shift, share of the height
 * @param match how well the view matches the reference (phase correlation peak, 0..1), NaN without
 *     reference; the view is compared about once a second, and frames in between carry the last
 *     comparison
 * @param analysisNanos time spent on this frame
 */
record FrameMeasurement(
    double meanLuma,
    double lumaStd,
    double saturatedShare,
    double laplacianSpread,
    double sharpness,
    double[] cellStd,
    double difference,
    double shiftX,
    double shiftY,
    double match,
    long analysisNanos) {

  /** The larger of the two shifts, per cent of the view. */
  double shiftPercent() {
    return 100 * Math.max(Math.abs(shiftX), Math.abs(shiftY));
  }
}
