// SPDX-License-Identifier: Apache-2.0
package org.watchpost.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfDouble;
import org.opencv.core.Point;
import org.opencv.imgproc.Imgproc;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.frame.SourceState;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.capture.internal.CaptureComponent;
import org.watchpost.capture.internal.CaptureConfig;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

/**
 * Each fault on real frames of vtest (768x576, 10 fps), measured with OpenCV against the untouched
 * frame.
 */
class FaultInjectorOnVtestTest {
  private static final CaptureComponent CAPTURE =
      new CaptureComponent(Configs.defaults(CaptureConfig.class));

  @BeforeAll
  static void natives() {
    nu.pattern.OpenCV.loadLocally();
  }

  private static FrameSource vtest(boolean realtime) {
    return CAPTURE.open(new SourceSpec("cam", SharedData.vtestMjpeg().toString(), false, realtime));
  }

  /**
   * Runs the first {@code frames} frames of vtest through an injector, pairing each output with its
   * input.
   */
  private static List<Pair> run(FaultSchedule schedule, int frames) throws Exception {
    FaultInjector injector = new FaultInjector(schedule);
    List<Pair> pairs = new ArrayList<>();
    try (FrameSource source = vtest(false)) {
      for (int i = 0; i < frames; i++) {
        Frame frame = source.read();
        Mat original = copy(frame);
        long stream = frame.streamMillis();
        Frame out = injector.apply(frame);
        assertTrue(
            frame.isClosed() || out != null && !out.isClosed(),
            "the input is released or handed on");
        pairs.add(
            new Pair(
                stream,
                original,
                out == null ? null : copy(out),
                out == null ? -1 : out.sequence(),
                injector.status(new SourceStatus(SourceState.RUNNING, 0, 0, "vtest"))));
        if (out != null) {
          out.close();
        }
        assertTrue(frame.isClosed(), "the input frame is closed once its output is");
      }
    }
    return pairs;
  }

  private record Pair(
      long streamMillis, Mat original, Mat output, long sequence, SourceStatus status) {}

  private static Mat copy(Frame frame) {
    Mat view = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
    Mat copy = view.clone();
    view.release();
    return copy;
  }

  private static Mat grey(Mat bgr) {
    Mat grey = new Mat();
    Imgproc.cvtColor(bgr, grey, Imgproc.COLOR_BGR2GRAY);
    return grey;
  }

  private static double mean(Mat bgr) {
    return Core.mean(grey(bgr)).val[0];
  }

  private static double laplacianStd(Mat bgr) {
    Mat lap = new Mat();
    Imgproc.Laplacian(grey(bgr), lap, CvType.CV_16S);
    MatOfDouble mean = new MatOfDouble();
    MatOfDouble std = new MatOfDouble();
    Core.meanStdDev(lap, mean, std);
    return std.get(0, 0)[0];
  }

  private static double meanAbsDiff(Mat a, Mat b) {
    Mat diff = new Mat();
    Core.absdiff(a, b, diff);
    return Core.mean(grey(diff)).val[0];
  }

  @Test
  @Timeout(60)
  void framesOutsideEveryWindowPassUnchangedAndConsecutivelyNumbered() throws Exception {
    List<Pair> pairs = run(FaultSchedule.parse("black@1-2"), 30);
    for (Pair pair : pairs) {
      if (pair.streamMillis() < 1000 || pair.streamMillis() >= 2000) {
        assertEquals(
            0.0, meanAbsDiff(pair.original(), pair.output()), "frame at " + pair.streamMillis());
      }
    }
    for (int i = 0; i < pairs.size(); i++) {
      assertEquals(i, pairs.get(i).sequence());
    }
  }

  @Test
  @Timeout(60)
  void blackLeavesOnlyADimNoisyPicture() throws Exception {
    for (Pair pair : inWindow(run(FaultSchedule.parse("black@1-2"), 25))) {
      assertTrue(mean(pair.original()) > 100);
      assertEquals(6, mean(pair.output()), 1.0);
      MatOfDouble mean = new MatOfDouble();
      MatOfDouble std = new MatOfDouble();
      Core.meanStdDev(grey(pair.output()), mean, std);
      assertTrue(
          std.get(0, 0)[0] > 1 && std.get(0, 0)[0] < 4, "sensor-like noise: " + std.get(0, 0)[0]);
    }
  }

  @Test
  @Timeout(60)
  void freezeRepeatsTheFirstFrameOfTheWindowWithFreshTimestamps() throws Exception {
    List<Pair> window = inWindow(run(FaultSchedule.parse("freeze@1-2"), 25));
    assertEquals(10, window.size());
    for (Pair pair : window) {
      assertEquals(0.0, meanAbsDiff(window.get(0).original(), pair.output()));
    }
    assertTrue(
        meanAbsDiff(window.get(0).original(), window.get(9).original()) > 1,
        "the real scene moved on");
  }

  @Test
  @Timeout(60)
  void blurRemovesFineDetailButKeepsBrightness() throws Exception {
    for (Pair pair : inWindow(run(FaultSchedule.parse("blur@1-2"), 25))) {
      assertTrue(laplacianStd(pair.output()) < 0.3 * laplacianStd(pair.original()));
      assertEquals(mean(pair.original()), mean(pair.output()), 1.0);
    }
  }

  @Test
  @Timeout(60)
  void coverHidesTheLeftEightyPercent() throws Exception {
    for (Pair pair : inWindow(run(FaultSchedule.parse("cover@1-2"), 25))) {
      Mat covered = pair.output().colRange(0, 614);
      Mat open = pair.output().colRange(615, 768);
      assertEquals(70, mean(covered), 1.0);
      assertEquals(0.0, meanAbsDiff(open, pair.original().colRange(615, 768)));
    }
  }

  @Test
  @Timeout(60)
  void shiftMovesTheViewByTheGivenShare() throws Exception {
    for (Pair pair : inWindow(run(FaultSchedule.parse("shift:0.04@1-2"), 25))) {
      Mat a = new Mat();
      Mat b = new Mat();
      grey(pair.original()).convertTo(a, CvType.CV_32F);
      grey(pair.output()).convertTo(b, CvType.CV_32F);
      Point shift = Imgproc.phaseCorrelate(a, b);
      assertEquals(0.04 * 768, shift.x, 1.0);
      assertEquals(0.04 * 576, shift.y, 1.0);
    }
  }

  @Test
  @Timeout(60)
  void overexposeSaturatesMostOfThePicture() throws Exception {
    for (Pair pair : inWindow(run(FaultSchedule.parse("overexpose@1-2"), 25))) {
      Mat saturated = new Mat();
      Imgproc.threshold(grey(pair.output()), saturated, 250, 255, Imgproc.THRESH_BINARY);
      double share = Core.countNonZero(saturated) / (768.0 * 576);
      assertTrue(share > 0.6, "saturated share " + share);
    }
  }

  @Test
  @Timeout(60)
  void dimScalesBrightness() throws Exception {
    for (Pair pair : inWindow(run(FaultSchedule.parse("dim:0.25@1-2"), 25))) {
      assertEquals(0.25 * mean(pair.original()), mean(pair.output()), 1.0);
    }
  }

  @Test
  @Timeout(60)
  void dropDeliversNothingAndReportsTheSourceReconnectingUntilTheWindowEnds() throws Exception {
    List<Pair> pairs = run(FaultSchedule.parse("drop@1-2"), 25);
    for (Pair pair : pairs) {
      boolean dropped = pair.streamMillis() >= 1000 && pair.streamMillis() < 2000;
      assertEquals(dropped, pair.output() == null, "frame at " + pair.streamMillis());
      assertEquals(dropped ? SourceState.RECONNECTING : SourceState.RUNNING, pair.status().state());
    }
    assertEquals(1, pairs.get(24).status().reconnects(), "the end of a drop counts as a reconnect");
    assertEquals(14, pairs.get(24).sequence(), "delivered frames are numbered without gaps");
  }

  @Test
  @Timeout(60)
  void slowKeepsOneFrameInN() throws Exception {
    List<Pair> window = inWindow(run(FaultSchedule.parse("slow:5@1-2"), 25));
    assertEquals(
        List.of(true, false, false, false, false, true, false, false, false, false),
        window.stream().map(pair -> pair.output() != null).toList());
  }

  @Test
  @Timeout(60)
  void theWrappedSourceBlocksThroughADropOfARealTimeCameraWhileReportingIt() throws Exception {
    FaultInjectingFrameSource source =
        new FaultInjectingFrameSource(vtest(true), FaultSchedule.parse("drop@0.5-1.5"));
    List<SourceState> seen = new CopyOnWriteArrayList<>();
    Thread watcher =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                seen.add(source.status().state());
                try {
                  Thread.sleep(50);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    watcher.start();
    List<Long> times = new ArrayList<>();
    long started = System.nanoTime();
    try (source) {
      for (int i = 0; i < 10; i++) {
        Frame frame = source.read();
        assertNotNull(frame);
        assertEquals(i, frame.sequence());
        times.add(frame.streamMillis());
        frame.close();
      }
    } finally {
      watcher.interrupt();
      watcher.join();
    }
    long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(List.of(0L, 100L, 200L, 300L, 400L, 1500L, 1600L, 1700L, 1800L, 1900L), times);
    assertTrue(
        elapsedMillis >= 1800,
        "a real-time source is read at its own pace through the drop: " + elapsedMillis);
    assertTrue(
        seen.contains(SourceState.RECONNECTING), "the drop was visible while it lasted: " + seen);
    assertEquals(1, source.status().reconnects());
  }

  @Test
  @Timeout(120)
  void aWholeClipReadsThroughAScheduleWithoutStarvingTheSourcesBufferPool() throws Exception {
    FaultInjectingFrameSource source =
        new FaultInjectingFrameSource(
            vtest(false),
            FaultSchedule.parse(
                "black@5-10, freeze@15-20, blur@25-30, cover@35-40, shift@45-50, drop@55-60, slow@65-70"));
    int frames = 0;
    try (source) {
      Frame frame;
      while ((frame = source.read()) != null) {
        assertEquals(frames, frame.sequence());
        frames++;
        frame.close();
      }
    }
    assertEquals(
        795 - 50 - 40, frames, "795 frames less a 5 s drop and four in five of a 5 s slow window");
    assertNull(source.injector().activeFault());
  }

  private static List<Pair> inWindow(List<Pair> pairs) {
    List<Pair> window =
        pairs.stream().filter(p -> p.streamMillis() >= 1000 && p.streamMillis() < 2000).toList();
    assertEquals(10, window.size());
    return window;
  }

  @Test
  void aFrameOutsideAnyWindowKeepsItsPixelsWithoutACopy() {
    ByteBuffer pixels = ByteBuffer.allocateDirect(4 * 4 * 3);
    Frame frame = new Frame("cam", 7, 0, 0, 0, 4, 4, pixels, null);
    Frame out = new FaultInjector(FaultSchedule.NONE).apply(frame);
    assertEquals(7, out.sequence());
    pixels.put(0, (byte) 9);
    assertEquals(9, out.pixels().get(0), "the output shares the input's buffer");
  }
}
