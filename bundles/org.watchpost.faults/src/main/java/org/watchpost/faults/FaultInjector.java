// SPDX-License-Identifier: Apache-2.0
package org.watchpost.faults;

import java.nio.ByteBuffer;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.SourceState;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.faults.internal.PixelBufferPool;

/**
 * Applies a {@link FaultSchedule} to frames one at a time, by each frame's stream time. Frames it
 * delivers are numbered consecutively, as a real source numbers what it delivers, so a dropped or
 * slowed window shows up in timing and not as a gap in sequence numbers. Image work is OpenCV
 * native code.
 *
 * <p>{@link #apply} is called from one thread (the reader's); {@link #status} from any.
 */
public final class FaultInjector {
  /** Brightness noise of a black or covered view: a real sensor is never perfectly flat. */
  private static final double SENSOR_NOISE = 2.0;

  private static final double COVER_LEVEL = 70;
  private static final double COVER_NOISE = 4.0;
  private static final double OVEREXPOSE_OFFSET = 80;
  private static final int REFERENCE_WIDTH = 768;

  private final FaultSchedule schedule;
  private final PixelBufferPool pool = new PixelBufferPool(4);
  private final PixelBufferPool greyPool = new PixelBufferPool(4);
  private volatile Fault active;
  private volatile long dropSinceMillis;
  private volatile long dropsEnded;
  private long nextSequence = -1;
  private long slowIndex;
  private ByteBuffer frozenPixels;
  private int frozenWidth;
  private int frozenHeight;
  private long droppedFrames;

  public FaultInjector(FaultSchedule schedule) {
    this.schedule = schedule;
    org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
  }

  public FaultSchedule schedule() {
    return schedule;
  }

  /** The fault applied to the last frame, or null. */
  public Fault activeFault() {
    return active;
  }

  /** Frames dropped by DROP and SLOW windows so far. */
  public long droppedFrames() {
    return droppedFrames;
  }

  /**
   * Applies the fault active at the frame's stream time. Takes ownership of {@code frame}: it is
   * either returned renumbered (sharing its pixels), or closed once its pixels have been used.
   *
   * @return the frame to deliver, or null when the fault drops it
   */
  public Frame apply(Frame frame) {
    Fault fault = schedule.at(frame.streamMillis());
    Fault previous = active;
    if (fault != previous) {
      enter(previous, fault, frame);
    }
    if (nextSequence < 0) {
      nextSequence = frame.sequence();
    }
    if (fault == null) {
      return passed(frame);
    }
    switch (fault.kind()) {
      case DROP:
        return drop(frame);
      case SLOW:
        if (slowIndex++ % (long) fault.amount() != 0) {
          return drop(frame);
        }
        return passed(frame);
      case FREEZE:
        if (frozenPixels == null) {
          frozenPixels = ByteBuffer.allocateDirect(frame.width() * frame.height() * 3);
          frozenPixels.put(frame.pixels().limit(frame.width() * frame.height() * 3)).flip();
          frozenWidth = frame.width();
          frozenHeight = frame.height();
        }
        try (frame) {
          return new Frame(
              frame.sourceId(),
              nextSequence++,
              frame.captureEpochMillis(),
              frame.streamMillis(),
              frame.decodeNanos(),
              frozenWidth,
              frozenHeight,
              frozenPixels.duplicate(),
              null);
        }
      default:
        return spoiled(frame, fault);
    }
  }

  private void enter(Fault previous, Fault next, Frame frame) {
    if (previous != null && previous.kind() == FaultKind.DROP) {
      dropsEnded++;
    }
    if (next != null && next.kind() == FaultKind.DROP) {
      dropSinceMillis = frame.captureEpochMillis();
    }
    // Each freeze holds the first frame of its own window; consumers may still hold the old one.
    frozenPixels = null;
    slowIndex = 0;
    active = next;
  }

  private Frame drop(Frame frame) {
    droppedFrames++;
    frame.close();
    return null;
  }

  /**
   * The frame as it came, renumbered; a deferred frame stays deferred (its grey image shared, its
   * colour decoded only if the consumer asks), so that the consumers see what the source made.
   */
  private Frame passed(Frame frame) {
    Frame.Grey grey = frame.grey();
    if (grey == null) {
      return renumbered(frame, frame.pixels(), frame::close);
    }
    return Frame.deferred(
        frame.sourceId(),
        nextSequence++,
        frame.captureEpochMillis(),
        frame.streamMillis(),
        frame.decodeNanos(),
        frame.width(),
        frame.height(),
        grey,
        frame::pixels,
        frame::close);
  }

  private Frame renumbered(Frame frame, ByteBuffer pixels, Runnable release) {
    return new Frame(
        frame.sourceId(),
        nextSequence++,
        frame.captureEpochMillis(),
        frame.streamMillis(),
        frame.decodeNanos(),
        frame.width(),
        frame.height(),
        pixels,
        release);
  }

  private Frame spoiled(Frame frame, Fault fault) {
    int width = frame.width();
    int height = frame.height();
    Frame.Grey grey = frame.grey();
    if (grey != null) {
      // The grey image spoiled the same way (every fault is drawn relative to the picture's size);
      // the colour
      // only if the consumer asks for it.
      ByteBuffer spoiledGrey = greyPool.acquire(grey.width() * grey.height());
      // Noise drawn on a reduced image is as strong per pixel as on the full frame, where a
      // camera's reduced
      // decode would have averaged it over scale x scale pixels: scaled down to what that average
      // leaves.
      drawOn(
          fault,
          grey.pixels(),
          spoiledGrey,
          grey.height(),
          grey.width(),
          CvType.CV_8UC1,
          (double) grey.width() / width);
      ByteBuffer[] colour = new ByteBuffer[1];
      return Frame.deferred(
          frame.sourceId(),
          nextSequence++,
          frame.captureEpochMillis(),
          frame.streamMillis(),
          frame.decodeNanos(),
          width,
          height,
          new Frame.Grey(grey.width(), grey.height(), spoiledGrey),
          () -> {
            colour[0] = pool.acquire(width * height * 3);
            drawOn(fault, frame.pixels(), colour[0], height, width, CvType.CV_8UC3, 1);
            return colour[0];
          },
          () -> {
            greyPool.release(spoiledGrey);
            if (colour[0] != null) {
              pool.release(colour[0]);
            }
            frame.close();
          });
    }
    ByteBuffer out = pool.acquire(width * height * 3);
    try (frame) {
      drawOn(fault, frame.pixels(), out, height, width, CvType.CV_8UC3, 1);
      return renumbered(frame, out, () -> pool.release(out));
    }
  }

  private static void drawOn(
      Fault fault,
      ByteBuffer from,
      ByteBuffer to,
      int rows,
      int cols,
      int type,
      double noiseFactor) {
    Mat source = new Mat(rows, cols, type, from);
    Mat target = new Mat(rows, cols, type, to);
    try {
      draw(fault, source, target, noiseFactor);
    } finally {
      source.release();
      target.release();
    }
  }

  private static void draw(Fault fault, Mat source, Mat target, double noiseFactor) {
    double amount = fault.amount();
    switch (fault.kind()) {
      case BLACK:
        fillNoise(target, amount, SENSOR_NOISE * noiseFactor);
        break;
      case BLUR:
        Imgproc.GaussianBlur(
            source, target, new Size(0, 0), amount * source.cols() / REFERENCE_WIDTH);
        break;
      case COVER:
        {
          source.copyTo(target);
          int coveredColumns = Math.max(1, (int) Math.round(amount * source.cols()));
          Mat covered = target.colRange(0, Math.min(coveredColumns, source.cols()));
          fillNoise(covered, COVER_LEVEL, COVER_NOISE * noiseFactor);
          covered.release();
          break;
        }
      case SHIFT:
        {
          Mat move = new Mat(2, 3, CvType.CV_64F);
          move.put(0, 0, 1, 0, amount * source.cols(), 0, 1, amount * source.rows());
          Imgproc.warpAffine(
              source, target, move, source.size(), Imgproc.INTER_LINEAR, Core.BORDER_REPLICATE);
          move.release();
          break;
        }
      case OVEREXPOSE:
        source.convertTo(target, -1, amount, OVEREXPOSE_OFFSET);
        break;
      case DIM:
        source.convertTo(target, -1, amount, 0);
        break;
      default:
        throw new IllegalStateException("no image fault " + fault.kind());
    }
  }

  /** Grey with sensor-like noise; randn on a 3-channel Mat would only fill the first channel. */
  private static void fillNoise(Mat target, double level, double noise) {
    if (target.channels() == 1) {
      Core.randn(target, level, noise);
      return;
    }
    Mat grey = new Mat(target.rows(), target.cols(), CvType.CV_8UC1);
    Core.randn(grey, level, noise);
    Imgproc.cvtColor(grey, target, Imgproc.COLOR_GRAY2BGR);
    grey.release();
  }

  /**
   * What a consumer sees of the source: its own status, except during a drop, where a running
   * source reports {@link SourceState#RECONNECTING} since the capture time of the first dropped
   * frame, and counts each drop that ended as a reconnect.
   */
  public SourceStatus status(SourceStatus source) {
    Fault fault = active;
    long reconnects = source.reconnects() + dropsEnded;
    if (source.state() == SourceState.RUNNING && fault != null && fault.kind() == FaultKind.DROP) {
      return new SourceStatus(
          SourceState.RECONNECTING,
          dropSinceMillis,
          reconnects,
          "fault injection: " + fault + " dropped the stream");
    }
    return reconnects == source.reconnects()
        ? source
        : new SourceStatus(source.state(), source.sinceEpochMillis(), reconnects, source.detail());
  }
}
