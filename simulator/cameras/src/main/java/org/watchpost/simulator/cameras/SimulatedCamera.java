// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.cameras;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.imgcodecs.Imgcodecs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.frame.CaptureService;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.faults.Fault;
import org.watchpost.faults.FaultInjector;
import org.watchpost.faults.FaultKind;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.simulator.link.SimClock;

/**
 * One recorded clip played as a live camera: decoded through the capture bundle (so any clip it
 * opens will do), looped, paced so that the clip's time follows a clock of the given speed, spoiled
 * by a fault schedule in that same time, and encoded to JPEG once per frame for every viewer. The
 * newest frame is what a viewer gets: a slow viewer misses frames, as with a real camera. The clip
 * starts when the first viewer comes, so that the camera's time and the time its viewer counts from
 * its first frame agree (to within the viewer's probe).
 */
public final class SimulatedCamera implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SimulatedCamera.class);
  private static final int JPEG_QUALITY = 80;

  /** One encoded frame and its number; the number tells a viewer whether it has seen it. */
  public record Jpeg(long number, long streamMillis, byte[] bytes) {}

  private final String id;
  private final FrameSource source;
  private final FaultInjector injector;
  private final double speed;
  private final Thread thread;
  private volatile SimClock clock;
  private final Object newFrame = new Object();
  private final AtomicLong served = new AtomicLong();
  private volatile Jpeg latest;
  private volatile boolean running = true;
  private volatile String problem;

  /**
   * @param clip a file the capture bundle opens (MJPEG AVI natively, anything else through ffmpeg)
   * @param faults in camera seconds from the camera's start
   * @param speed how much faster than real time the clip plays (1: a live camera)
   */
  public SimulatedCamera(
      String id, String clip, FaultSchedule faults, double speed, CaptureService capture) {
    this.id = Objects.requireNonNull(id);
    this.speed = speed;
    this.source = capture.open(new SourceSpec(id, clip, true, false));
    this.injector = new FaultInjector(faults);
    this.thread = new Thread(this::run, "camera-" + id);
    thread.setDaemon(true);
  }

  /** Starts the clip (once); its clock starts now. */
  public synchronized void start() {
    if (clock == null) {
      clock = new SimClock(speed);
      thread.start();
    }
  }

  /** The camera's clock, or null before it started. */
  public SimClock clock() {
    return clock;
  }

  public String id() {
    return id;
  }

  /** The fault on the frames now, or null. */
  public Fault activeFault() {
    return injector.activeFault();
  }

  /** Whether the stream is down (a DROP window): viewers are cut and refused. */
  public boolean dropped() {
    Fault fault = injector.activeFault();
    return fault != null && fault.kind() == FaultKind.DROP;
  }

  public long framesServed() {
    return served.get();
  }

  public String problem() {
    return problem;
  }

  private void run() {
    MatOfInt params = new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, JPEG_QUALITY);
    try {
      while (running) {
        Frame frame = source.read();
        if (frame == null) {
          problem = "the clip ended: " + source.status().detail();
          LOG.warn("camera {}: {}", id, problem);
          return;
        }
        // The clip's own time is scenario time: wait until the scenario clock reaches this frame.
        clock.sleepUntil(frame.streamMillis() / 1000.0);
        Frame delivered = injector.apply(frame);
        if (delivered == null) {
          // Viewers waiting for a frame learn that the stream is down.
          synchronized (newFrame) {
            newFrame.notifyAll();
          }
          continue;
        }
        try (delivered) {
          byte[] jpeg = encode(delivered, params);
          latest = new Jpeg(served.incrementAndGet(), delivered.streamMillis(), jpeg);
        }
        synchronized (newFrame) {
          newFrame.notifyAll();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      problem = e.getMessage();
      LOG.error("camera {} stopped: {}", id, e.getMessage(), e);
    } finally {
      params.release();
    }
  }

  private static byte[] encode(Frame frame, MatOfInt params) {
    Mat bgr = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
    MatOfByte out = new MatOfByte();
    try {
      if (!Imgcodecs.imencode(".jpg", bgr, out, params)) {
        throw new IllegalStateException("JPEG encoding failed");
      }
      return out.toArray();
    } finally {
      out.release();
      bgr.release();
    }
  }

  /**
   * The newest frame after {@code seen}, waiting up to {@code timeoutMillis}; null when none came.
   */
  public Jpeg next(long seen, long timeoutMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    synchronized (newFrame) {
      Jpeg current;
      while (((current = latest) == null || current.number() <= seen) && running && !dropped()) {
        long wait = deadline - System.currentTimeMillis();
        if (wait <= 0) {
          return null;
        }
        newFrame.wait(wait);
      }
      return current != null && current.number() > seen && !dropped() ? current : null;
    }
  }

  /** The newest frame, or null before the first. */
  public Jpeg latest() {
    return latest;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    source.close();
    synchronized (newFrame) {
      newFrame.notifyAll();
    }
  }
}
