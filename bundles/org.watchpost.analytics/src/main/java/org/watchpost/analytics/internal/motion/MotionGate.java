// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.motion;

import java.util.ArrayList;
import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint;
import org.opencv.core.Point;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.video.BackgroundSubtractorMOG2;
import org.opencv.video.Video;
import org.watchpost.analytics.internal.rules.Polygon;
import org.watchpost.analytics.internal.track.Box;
import org.watchpost.api.frame.Frame;

/**
 * Background subtraction (OpenCV MOG2) on a downscaled grey copy of each frame (from the frame's
 * own grey image where the source made one, so that a still scene never needs its colour decoded),
 * all in native code: which parts of the picture changed, as regions in frame pixels. Masked
 * polygons are ignored. One gate per camera, used from its pipeline thread only.
 */
public final class MotionGate implements AutoCloseable {
  /**
   * Above this share of the frame in motion, the change is global (light, camera shake), not
   * objects.
   */
  private static final double GLOBAL_CHANGE = 0.5;

  private final MotionSettings settings;
  private final int frameWidth;
  private final int frameHeight;
  private final double scale;
  private final Size smallSize;
  private final BackgroundSubtractorMOG2 model;
  private final Mat small = new Mat();
  private final Mat grey = new Mat();
  private final Mat foreground = new Mat();
  private final Mat labels = new Mat();
  private final Mat stats = new Mat();
  private final Mat centroids = new Mat();
  private final Mat kernel = Imgproc.getStructuringElement(Imgproc.MORPH_RECT, new Size(3, 3));
  private final Mat allowed;
  private int framesSeen;

  public MotionGate(MotionSettings settings, int frameWidth, int frameHeight, List<Polygon> masks) {
    this.settings = settings;
    this.frameWidth = frameWidth;
    this.frameHeight = frameHeight;
    int w = Math.min(settings.width(), frameWidth);
    this.scale = (double) w / frameWidth;
    this.smallSize = new Size(w, Math.max(1, Math.round(frameHeight * scale)));
    this.model =
        Video.createBackgroundSubtractorMOG2(settings.history(), settings.threshold(), false);
    // Three Gaussians per pixel model a plaza, a road or a lawn as well as five, at two thirds of
    // the cost.
    model.setNMixtures(3);
    if (masks.isEmpty()) {
      allowed = null;
    } else {
      allowed = new Mat(smallSize, CvType.CV_8UC1, new Scalar(255));
      List<MatOfPoint> polygons = new ArrayList<>();
      for (Polygon p : masks) {
        polygons.add(
            new MatOfPoint(
                p.points().stream()
                    .map(q -> new Point(q.x() * smallSize.width, q.y() * smallSize.height))
                    .toArray(Point[]::new)));
      }
      Imgproc.fillPoly(allowed, polygons, new Scalar(0));
      polygons.forEach(Mat::release);
    }
  }

  public int frameWidth() {
    return frameWidth;
  }

  public int frameHeight() {
    return frameHeight;
  }

  /** Feeds one frame to the background model and returns what moved. */
  public MotionResult apply(Frame frame) {
    Frame.Grey picture = frame.grey();
    if (picture != null && picture.width() >= smallSize.width) {
      // The frame's own grey image: its colour pixels are not decoded for motion.
      Mat luma = new Mat(picture.height(), picture.width(), CvType.CV_8UC1, picture.pixels());
      try {
        Imgproc.resize(luma, grey, smallSize, 0, 0, Imgproc.INTER_LINEAR);
      } finally {
        luma.release();
      }
    } else {
      Mat bgr = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
      try {
        // Bilinear is ten times cheaper than area averaging on a full frame; the blur below takes
        // out the
        // aliasing it leaves, on the small image where it costs little.
        Imgproc.resize(bgr, small, smallSize, 0, 0, Imgproc.INTER_LINEAR);
      } finally {
        bgr.release();
      }
      Imgproc.cvtColor(small, grey, Imgproc.COLOR_BGR2GRAY);
    }
    Imgproc.GaussianBlur(grey, grey, new Size(3, 3), 0);
    model.apply(grey, foreground);
    framesSeen++;
    if (allowed != null) {
      Core.bitwise_and(foreground, allowed, foreground);
    }
    Imgproc.morphologyEx(foreground, foreground, Imgproc.MORPH_OPEN, kernel);
    Imgproc.dilate(foreground, foreground, kernel, new Point(-1, -1), 2);
    double share = (double) Core.countNonZero(foreground) / (foreground.rows() * foreground.cols());
    if (framesSeen == 1) {
      // The model has nothing to compare the first frame with.
      return new MotionResult(List.of(), 0, false);
    }
    int n =
        Imgproc.connectedComponentsWithStats(
            foreground, labels, stats, centroids, 8, CvType.CV_32S);
    int[] s = new int[n * 5];
    stats.get(0, 0, s);
    double minPixels = settings.minArea() * smallSize.width * smallSize.height;
    List<Box> regions = new ArrayList<>();
    for (int i = 1; i < n; i++) {
      int area = s[i * 5 + Imgproc.CC_STAT_AREA];
      if (area < minPixels) {
        continue;
      }
      int x = s[i * 5 + Imgproc.CC_STAT_LEFT];
      int y = s[i * 5 + Imgproc.CC_STAT_TOP];
      int w = s[i * 5 + Imgproc.CC_STAT_WIDTH];
      int h = s[i * 5 + Imgproc.CC_STAT_HEIGHT];
      regions.add(
          new Box(
              (float) (x / scale),
              (float) (y / scale),
              (float) Math.min(frameWidth, (x + w) / scale),
              (float) Math.min(frameHeight, (y + h) / scale)));
    }
    return new MotionResult(regions, share, share > GLOBAL_CHANGE);
  }

  /** Share (0..1) of a box, frame pixels, that moved on the last frame. */
  public double motionIn(Box box) {
    if (foreground.empty()) {
      return 0;
    }
    int x1 = clamp((int) Math.floor(box.x1() * scale), foreground.cols());
    int y1 = clamp((int) Math.floor(box.y1() * scale), foreground.rows());
    int x2 = clamp((int) Math.ceil(box.x2() * scale), foreground.cols());
    int y2 = clamp((int) Math.ceil(box.y2() * scale), foreground.rows());
    if (x2 <= x1 || y2 <= y1) {
      return 0;
    }
    Mat roi = foreground.submat(new Rect(x1, y1, x2 - x1, y2 - y1));
    try {
      return (double) Core.countNonZero(roi) / ((x2 - x1) * (y2 - y1));
    } finally {
      roi.release();
    }
  }

  private static int clamp(int v, int max) {
    return Math.max(0, Math.min(max, v));
  }

  @Override
  public void close() {
    for (Mat m : new Mat[] {small, grey, foreground, labels, stats, centroids, kernel}) {
      m.release();
    }
    if (allowed != null) {
      allowed.release();
    }
  }
}
