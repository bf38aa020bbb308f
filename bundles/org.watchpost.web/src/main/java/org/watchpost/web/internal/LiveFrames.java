// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.MatOfPoint;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.pipeline.LiveScene;
import org.watchpost.api.pipeline.LiveTap;
import org.watchpost.api.pipeline.RuleShape;

/**
 * The live view. A camera is rendered only while a viewer has asked for it within the linger time,
 * at most at the configured rate: otherwise {@link #wants} is one map look-up that finds nothing,
 * and the pipeline does no more. Boxes, ids, classes, scores, motion and the rules are drawn here
 * into the JPEG (not on a canvas from a JSON feed) so that what is drawn belongs to exactly the
 * frame it is drawn on, whatever the network's delay.
 */
final class LiveFrames implements LiveTap {
  /**
   * Colours, BGR. Magenta for objects: rare in outdoor scenes, so a box stands out (and a test can
   * find it).
   */
  static final Scalar OBJECT = new Scalar(255, 0, 255);

  static final Scalar TENTATIVE = new Scalar(160, 160, 160);
  static final Scalar MOTION = new Scalar(0, 220, 255);
  static final Scalar ZONE = new Scalar(255, 200, 0);
  static final Scalar LINE = new Scalar(0, 140, 255);
  static final Scalar MASK = new Scalar(60, 60, 60);

  /** One watched camera. */
  static final class Slot {
    volatile long watchedUntilNanos;
    volatile long nextDueNanos;
    private byte[] jpeg;
    private long sequence;

    synchronized void put(byte[] bytes) {
      jpeg = bytes;
      sequence++;
      notifyAll();
    }

    /**
     * A frame newer than {@code after}, waiting up to the timeout; the latest one otherwise (or
     * null).
     */
    synchronized Object[] await(long after, long timeoutMillis) throws InterruptedException {
      long end = System.currentTimeMillis() + timeoutMillis;
      while (sequence <= after) {
        long left = end - System.currentTimeMillis();
        if (left <= 0) {
          break;
        }
        wait(left);
      }
      return jpeg == null ? null : new Object[] {sequence, jpeg};
    }
  }

  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final LongSupplier clock;
  private volatile long intervalNanos;
  private volatile long lingerNanos;
  private volatile int maxWidth;
  private volatile int quality;
  final java.util.concurrent.atomic.LongAdder framesRendered =
      new java.util.concurrent.atomic.LongAdder();
  final java.util.concurrent.atomic.LongAdder bytesRendered =
      new java.util.concurrent.atomic.LongAdder();

  LiveFrames(LongSupplier clock) {
    this.clock = clock;
  }

  void configure(double fps, double lingerS, int maxWidth, int quality) {
    this.intervalNanos = (long) (1e9 / fps);
    this.lingerNanos = (long) (lingerS * 1e9);
    this.maxWidth = maxWidth;
    this.quality = quality;
  }

  /** A viewer asked for this camera (a known one: the caller checks). */
  Slot watch(String cameraId) {
    Slot slot = slots.computeIfAbsent(cameraId, k -> new Slot());
    slot.watchedUntilNanos = clock.getAsLong() + lingerNanos;
    return slot;
  }

  int watched() {
    return slots.size();
  }

  @Override
  public boolean wants(String cameraId) {
    Slot slot = slots.get(cameraId);
    if (slot == null) {
      return false;
    }
    long now = clock.getAsLong();
    if (now > slot.watchedUntilNanos) {
      slots.remove(cameraId, slot);
      return false;
    }
    return now >= slot.nextDueNanos;
  }

  @Override
  public void offer(Frame frame, LiveScene scene) {
    Slot slot = slots.get(frame.sourceId());
    if (slot == null) {
      return;
    }
    slot.nextDueNanos = clock.getAsLong() + intervalNanos;
    byte[] jpeg = render(frame, scene, maxWidth, quality);
    framesRendered.increment();
    bytesRendered.add(jpeg.length);
    slot.put(jpeg);
  }

  static byte[] render(Frame frame, LiveScene scene, int maxWidth, int quality) {
    Mat source = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
    Mat image = new Mat();
    double scale = Math.min(1.0, (double) maxWidth / frame.width());
    try {
      if (scale < 1.0) {
        Imgproc.resize(
            source,
            image,
            new Size(Math.round(frame.width() * scale), Math.round(frame.height() * scale)),
            0,
            0,
            Imgproc.INTER_AREA);
      } else {
        source.copyTo(image);
      }
      draw(image, scene, scale);
      MatOfByte out = new MatOfByte();
      MatOfInt parameters = new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, quality);
      try {
        Imgcodecs.imencode(".jpg", image, out, parameters);
        return out.toArray();
      } finally {
        out.release();
        parameters.release();
      }
    } finally {
      image.release();
      source.release();
    }
  }

  /** A grey picture (health's reference view) scaled up to the given width, as a JPEG. */
  static byte[] grey(int width, int height, byte[] grey, int toWidth) {
    Mat small = new Mat(height, width, CvType.CV_8UC1);
    Mat big = new Mat();
    MatOfByte out = new MatOfByte();
    MatOfInt parameters = new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, 80);
    try {
      small.put(0, 0, grey);
      Imgproc.resize(
          small,
          big,
          new Size(toWidth, Math.round((double) toWidth * height / width)),
          0,
          0,
          Imgproc.INTER_LINEAR);
      Imgcodecs.imencode(".jpg", big, out, parameters);
      return out.toArray();
    } finally {
      small.release();
      big.release();
      out.release();
      parameters.release();
    }
  }

  static void draw(Mat image, LiveScene scene, double scale) {
    int w = image.cols();
    int h = image.rows();
    for (RuleShape rule : scene.rules()) {
      List<Point> points = rule.points().stream().map(p -> new Point(p[0] * w, p[1] * h)).toList();
      if (points.size() < 2) {
        continue;
      }
      if (rule.type().equals("motion_mask")) {
        Mat overlay = image.clone();
        MatOfPoint polygon = new MatOfPoint(points.toArray(Point[]::new));
        try {
          Imgproc.fillPoly(overlay, List.of(polygon), MASK);
          Core.addWeighted(overlay, 0.6, image, 0.4, 0, image);
          // Shading alone hides on dark walls: the outline shows where the mask ends.
          outline(image, points, new Scalar(220, 220, 220), 1);
        } finally {
          overlay.release();
          polygon.release();
        }
      } else if (rule.type().equals("line_crossing")) {
        Point a = points.get(0);
        Point b = points.get(1);
        Imgproc.line(image, a, b, LINE, 2, Imgproc.LINE_AA);
        arrows(image, a, b, rule.direction());
      } else {
        outline(image, points, ZONE, 2);
      }
      label(image, rule.ruleId(), points.get(0), rule.type().equals("line_crossing") ? LINE : ZONE);
    }
    for (LiveScene.Box m : scene.motion()) {
      Imgproc.rectangle(
          image,
          new Point(m.x1() * scale, m.y1() * scale),
          new Point(m.x2() * scale, m.y2() * scale),
          MOTION,
          1);
    }
    for (LiveScene.LiveObject o : scene.objects()) {
      Scalar colour = o.confirmed() ? OBJECT : TENTATIVE;
      Point tl = new Point(o.box().x1() * scale, o.box().y1() * scale);
      Imgproc.rectangle(
          image, tl, new Point(o.box().x2() * scale, o.box().y2() * scale), colour, 2);
      String text =
          (o.trackId() >= 0 ? "#" + o.trackId() + " " : "")
              + o.label()
              + " "
              + Math.round(o.score() * 100)
              + "%";
      label(image, text, tl, colour);
    }
    if (scene.shedding()) {
      label(
          image,
          "load shedding: detector rate lowered",
          new Point(4, h - 4),
          new Scalar(0, 0, 255));
    }
  }

  /**
   * "in" is a crossing from the left-hand side to the right-hand side, facing from the first point
   * to the second (the analytics' convention); in image coordinates (y down) the right-hand normal
   * of (dx, dy) is (-dy, dx).
   */
  /**
   * A closed outline drawn edge by edge: Imgproc.polylines takes a List of MatOfPoint, which
   * OpenCV's Java wrapper turns into a temporary Mat it never releases (left to the finaliser,
   * issue 19).
   */
  static void outline(Mat image, List<Point> points, Scalar colour, int thickness) {
    for (int i = 0; i < points.size(); i++) {
      Imgproc.line(
          image,
          points.get(i),
          points.get((i + 1) % points.size()),
          colour,
          thickness,
          Imgproc.LINE_AA);
    }
  }

  static void arrows(Mat image, Point a, Point b, String direction) {
    double dx = b.x - a.x;
    double dy = b.y - a.y;
    double length = Math.hypot(dx, dy);
    if (length < 1) {
      return;
    }
    double nx = -dy / length;
    double ny = dx / length;
    double arrow = Math.max(18, Math.min(40, length / 4));
    Point mid = new Point((a.x + b.x) / 2, (a.y + b.y) / 2);
    Point right = new Point(mid.x + nx * arrow, mid.y + ny * arrow);
    Point left = new Point(mid.x - nx * arrow, mid.y - ny * arrow);
    if (direction.equals("in") || direction.equals("both")) {
      Imgproc.arrowedLine(image, left, right, LINE, 2, Imgproc.LINE_AA, 0, 0.35);
      label(image, "in", right, LINE);
    }
    if (direction.equals("out") || direction.equals("both")) {
      Imgproc.arrowedLine(image, right, left, LINE, 2, Imgproc.LINE_AA, 0, 0.35);
      label(image, "out", left, LINE);
    }
  }

  private static void label(Mat image, String text, Point at, Scalar colour) {
    Point p = new Point(Math.max(0, at.x), Math.max(12, at.y - 3));
    Imgproc.putText(
        image,
        text,
        p,
        Imgproc.FONT_HERSHEY_SIMPLEX,
        0.45,
        new Scalar(0, 0, 0),
        3,
        Imgproc.LINE_AA);
    Imgproc.putText(image, text, p, Imgproc.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, Imgproc.LINE_AA);
  }
}
