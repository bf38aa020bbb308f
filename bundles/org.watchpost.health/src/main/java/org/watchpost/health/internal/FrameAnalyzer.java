// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfDouble;
import org.opencv.core.Point;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.watchpost.api.frame.Frame;

/**
 * Measures frames of one size, all in OpenCV native code: a fine grey image (at most 384 wide) for
 * sharpness, a coarse one (half of that) for brightness, texture per grid cell and change since the
 * previous frame, and the coarse image's gradient magnitude (its structure) for the view. The view
 * is compared with the reference by phase correlation of structure averaged over the last seconds,
 * not of single frames: people walking through a busy scene would otherwise outweigh the buildings
 * and kerbs that place the view. Holds its working images between frames so that a frame costs no
 * allocation; one instance per camera, one thread at a time.
 */
final class FrameAnalyzer implements AutoCloseable {
  static final int GRID_COLUMNS = 8;
  static final int GRID_ROWS = 6;
  static final int MIN_WIDTH = 64;
  static final int MIN_HEIGHT = 48;
  private static final int FINE_WIDTH = 384;
  private static final double SATURATED = 249.5;

  private final int width;
  private final int height;
  private final Size fineSize;
  private final Size coarseSize;
  private final Size gridSize = new Size(GRID_COLUMNS, GRID_ROWS);
  private final Mat fineBgr = new Mat();
  private final Mat fineGrey = new Mat();
  private final Mat laplacian = new Mat();
  private final Mat laplacianMagnitude = new Mat();
  private final Mat coarse = new Mat();
  private final Mat previous = new Mat();
  private final Mat difference = new Mat();
  private final Mat saturated = new Mat();
  private final Mat coarseFloat = new Mat();
  private final Mat squares = new Mat();
  private final Mat cellMeans = new Mat();
  private final Mat cellSquares = new Mat();
  private final Mat gradientX = new Mat();
  private final Mat gradientY = new Mat();
  private final Mat structure = new Mat();
  private final Mat recentStructure = new Mat();
  private final Mat window = new Mat();
  private final Mat referenceCopy = new Mat();
  private final Mat recentCopy = new Mat();
  private final MatOfDouble mean = new MatOfDouble();
  private final MatOfDouble std = new MatOfDouble();
  private final float[] cellMean = new float[GRID_COLUMNS * GRID_ROWS];
  private final float[] cellSquare = new float[GRID_COLUMNS * GRID_ROWS];
  private final double[] response = new double[1];
  private boolean hasPrevious;
  private boolean hasRecent;
  private double shiftX = Double.NaN;
  private double shiftY = Double.NaN;
  private double match = Double.NaN;

  FrameAnalyzer(int width, int height) {
    if (width < MIN_WIDTH || height < MIN_HEIGHT) {
      throw new IllegalArgumentException(
          "frames of "
              + width
              + "x"
              + height
              + " are too small to judge (at least "
              + MIN_WIDTH
              + "x"
              + MIN_HEIGHT
              + ")");
    }
    this.width = width;
    this.height = height;
    int fineWidth = Math.min(FINE_WIDTH, width) & ~1;
    int fineHeight = Math.max(2, (int) Math.round((double) height * fineWidth / width) & ~1);
    this.fineSize = new Size(fineWidth, fineHeight);
    this.coarseSize = new Size(fineWidth / 2, fineHeight / 2);
    Imgproc.createHanningWindow(window, coarseSize, CvType.CV_32F);
  }

  static boolean judgeable(int width, int height) {
    return width >= MIN_WIDTH && height >= MIN_HEIGHT;
  }

  boolean fits(Frame frame) {
    return frame.width() == width && frame.height() == height;
  }

  int width() {
    return width;
  }

  int height() {
    return height;
  }

  Size coarseSize() {
    return coarseSize;
  }

  /**
   * Measures a frame of this analyser's size.
   *
   * @param reference the reference structure (coarse size, CV_32F) or null while there is none
   * @param recentWeight weight of this frame in the recent structure (0..1): the analysis interval
   *     over the averaging time
   * @param compareView whether to phase-correlate the recent structure with the reference now (the
   *     costliest step); otherwise the last comparison is reported again
   */
  FrameMeasurement measure(Frame frame, Mat reference, double recentWeight, boolean compareView) {
    long started = System.nanoTime();
    Frame.Grey grey = frame.grey();
    if (grey != null && grey.width() >= fineSize.width) {
      // The frame's own grey image (a reduced JPEG decode, the luma of a YUV frame): health never
      // asks for the
      // colour pixels, so a still scene is judged without its frames decoded in full.
      Mat luma = new Mat(grey.height(), grey.width(), CvType.CV_8UC1, grey.pixels());
      try {
        Imgproc.resize(luma, fineGrey, fineSize, 0, 0, Imgproc.INTER_AREA);
      } finally {
        luma.release();
      }
    } else {
      Mat pixels = new Mat(height, width, CvType.CV_8UC3, frame.pixels());
      try {
        Imgproc.resize(pixels, fineBgr, fineSize, 0, 0, Imgproc.INTER_AREA);
      } finally {
        pixels.release();
      }
      Imgproc.cvtColor(fineBgr, fineGrey, Imgproc.COLOR_BGR2GRAY);
    }
    // Mean absolute Laplacian as the spread of fine detail: a quarter of it fits 8 bits
    // unsaturated, and the
    // mean of 8 bits is several times cheaper than the standard deviation of 16.
    Imgproc.Laplacian(fineGrey, laplacian, CvType.CV_16S);
    Core.convertScaleAbs(laplacian, laplacianMagnitude, 0.25);
    double laplacianSpread = 4 * Core.mean(laplacianMagnitude).val[0];

    Imgproc.resize(fineGrey, coarse, coarseSize, 0, 0, Imgproc.INTER_AREA);
    Core.meanStdDev(coarse, mean, std);
    double meanLuma = mean.toArray()[0];
    double lumaStd = std.toArray()[0];
    Imgproc.threshold(coarse, saturated, SATURATED, 255, Imgproc.THRESH_BINARY);
    double saturatedShare = Core.countNonZero(saturated) / coarseSize.area();

    double change = Double.NaN;
    if (hasPrevious) {
      Core.absdiff(coarse, previous, difference);
      change = Core.mean(difference).val[0];
    }
    coarse.copyTo(previous);
    hasPrevious = true;

    coarse.convertTo(coarseFloat, CvType.CV_32F);
    Core.multiply(coarseFloat, coarseFloat, squares);
    Imgproc.resize(coarseFloat, cellMeans, gridSize, 0, 0, Imgproc.INTER_AREA);
    Imgproc.resize(squares, cellSquares, gridSize, 0, 0, Imgproc.INTER_AREA);
    cellMeans.get(0, 0, cellMean);
    cellSquares.get(0, 0, cellSquare);
    double[] cellStd = new double[cellMean.length];
    for (int i = 0; i < cellStd.length; i++) {
      cellStd[i] = Math.sqrt(Math.max(0, cellSquare[i] - (double) cellMean[i] * cellMean[i]));
    }

    Imgproc.Sobel(coarseFloat, gradientX, CvType.CV_32F, 1, 0);
    Imgproc.Sobel(coarseFloat, gradientY, CvType.CV_32F, 0, 1);
    Core.magnitude(gradientX, gradientY, structure);
    if (hasRecent) {
      Imgproc.accumulateWeighted(structure, recentStructure, recentWeight);
    } else {
      structure.copyTo(recentStructure);
      hasRecent = true;
    }

    if (reference == null) {
      shiftX = Double.NaN;
      shiftY = Double.NaN;
      match = Double.NaN;
    } else if (compareView || Double.isNaN(match)) {
      // phaseCorrelate windows its inputs in place when their size is already a good DFT size
      // (192x144 here):
      // on the reference itself, every comparison would shrink what it learned to the last few
      // seconds.
      reference.copyTo(referenceCopy);
      recentStructure.copyTo(recentCopy);
      Point shift = Imgproc.phaseCorrelate(referenceCopy, recentCopy, window, response);
      shiftX = shift.x / coarseSize.width;
      shiftY = shift.y / coarseSize.height;
      match = response[0];
    }
    return new FrameMeasurement(
        meanLuma,
        lumaStd,
        saturatedShare,
        laplacianSpread,
        laplacianSpread / Math.max(lumaStd, 1),
        cellStd,
        change,
        shiftX,
        shiftY,
        match,
        System.nanoTime() - started);
  }

  /**
   * The structure (gradient magnitude) of the last measured frame, CV_32F; valid until the next
   * {@link #measure}.
   */
  Mat structure() {
    return structure;
  }

  /**
   * The next frame is compared with nothing before it (after a gap, a clock jump or a bad frame).
   */
  void forgetPrevious() {
    hasPrevious = false;
    hasRecent = false;
    match = Double.NaN;
  }

  @Override
  public void close() {
    for (Mat mat :
        new Mat[] {
          fineBgr,
          fineGrey,
          laplacian,
          laplacianMagnitude,
          coarse,
          previous,
          difference,
          saturated,
          coarseFloat,
          squares,
          cellMeans,
          cellSquares,
          gradientX,
          gradientY,
          structure,
          recentStructure,
          window,
          referenceCopy,
          recentCopy,
          mean,
          std
        }) {
      mat.release();
    }
  }
}
