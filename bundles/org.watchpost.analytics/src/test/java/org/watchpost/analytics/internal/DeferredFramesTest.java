// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.opencv.video.BackgroundSubtractorMOG2;
import org.opencv.video.Video;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.detect.DetectorStatus;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.Region;
import org.watchpost.api.frame.Frame;

/**
 * Frames that come deferred (a grey image now, colour on demand): on a still scene the motion gate
 * works on the grey image and no colour is decoded but for the detector's own rare look; when
 * people walk in, the detector gets the full colour frames.
 */
class DeferredFramesTest {
  private static final long T0 = 1_764_000_000_000L;
  private static final int STILL = 100;
  private static final int MOVING = 80;

  @Test
  @Timeout(300)
  void aStillSceneDecodesColourOnlyForTheDetectorAndMotionBringsItFullFrames() {
    nu.pattern.OpenCV.loadLocally();
    // The plaza without its people (the background of the first 300 frames), then vtest's own
    // frames from 300.
    BackgroundSubtractorMOG2 model = Video.createBackgroundSubtractorMOG2(100, 16, false);
    Mat mask = new Mat();
    List<Mat> moving = new ArrayList<>();
    Vtest.frames(
        300 + MOVING,
        frame -> {
          Mat bgr = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
          if (frame.sequence() < 300 && frame.sequence() % 3 == 0) {
            model.apply(bgr, mask);
          } else if (frame.sequence() >= 300) {
            moving.add(bgr.clone());
          }
          bgr.release();
        });
    Mat plaza = new Mat();
    model.getBackgroundImage(plaza);
    mask.release();

    AtomicInteger decodes = new AtomicInteger();
    List<Integer> decodedAt = new ArrayList<>();
    List<String> detectorSaw = new ArrayList<>();
    Detector real = Vtest.detector();
    int[] detectorRunsWhileStill = new int[1];
    Detector recording =
        new Detector() {
          @Override
          public DetectionResult detect(Frame frame) throws DetectorUnavailableException {
            return record(frame, real.detect(frame));
          }

          @Override
          public DetectionResult detect(Frame frame, Region region)
              throws DetectorUnavailableException {
            return record(frame, real.detect(frame, region));
          }

          private DetectionResult record(Frame frame, DetectionResult result) {
            if (frame.sequence() < STILL) {
              detectorRunsWhileStill[0]++;
            } else {
              detectorSaw.add(
                  frame.width()
                      + "x"
                      + frame.height()
                      + (frame.isDecoded() ? " decoded" : " grey only"));
            }
            return result;
          }

          @Override
          public DetectorStatus status() {
            return real.status();
          }
        };
    AnalyticsComponent component =
        Vtest.component(Map.of("incidents", false, "load_shedding", false), Vtest.defaultRules());
    Vtest.Run run =
        Vtest.run(
            component,
            sink -> {
              for (int i = 0; i < STILL + MOVING; i++) {
                Mat bgr = i < STILL ? plaza : moving.get(i - STILL);
                int index = i;
                try (Frame f =
                    deferred(
                        bgr,
                        i,
                        () -> {
                          decodes.incrementAndGet();
                          decodedAt.add(index);
                        })) {
                  sink.accept(f);
                }
              }
            },
            recording);
    long decodedWhileStill = decodedAt.stream().filter(i -> i < STILL).count();
    System.out.printf(
        "deferred frames: still scene %d frames, %d detector runs, %d colour decodes; moving %d frames,"
            + " detector on %d, colour decodes %d; %d events%n",
        STILL,
        detectorRunsWhileStill[0],
        decodedWhileStill,
        MOVING,
        detectorSaw.size(),
        decodes.get() - decodedWhileStill,
        run.events().size());
    assertTrue(
        detectorRunsWhileStill[0] <= STILL / 10,
        "the detector looked at the still scene " + detectorRunsWhileStill[0] + " times");
    assertTrue(
        decodedWhileStill <= detectorRunsWhileStill[0],
        decodedWhileStill
            + " colour decodes on the still scene for "
            + detectorRunsWhileStill[0]
            + " detector runs: motion used the grey image");
    assertTrue(
        detectorSaw.size() >= MOVING / 3,
        "people walking in made the detector run: " + detectorSaw.size());
    assertEquals(
        List.of("768x576 decoded"),
        detectorSaw.stream().distinct().toList(),
        "the detector got full colour frames");
    assertTrue(run.personIds().size() >= 3, "and found the people: " + run.personIds());
    plaza.release();
    moving.forEach(Mat::release);
  }

  /**
   * A frame as a deferring source delivers it: the grey image at half size now, colour when asked
   * for.
   */
  private static Frame deferred(Mat bgr, long i, Runnable onDecode) {
    Mat grey = new Mat();
    Mat half = new Mat();
    Imgproc.cvtColor(bgr, grey, Imgproc.COLOR_BGR2GRAY);
    Imgproc.resize(
        grey, half, new Size(bgr.cols() / 2.0, bgr.rows() / 2.0), 0, 0, Imgproc.INTER_AREA);
    ByteBuffer greyPixels = ByteBuffer.allocateDirect(half.cols() * half.rows());
    byte[] g = new byte[half.cols() * half.rows()];
    half.get(0, 0, g);
    greyPixels.put(g).flip();
    Frame.Grey image = new Frame.Grey(half.cols(), half.rows(), greyPixels);
    grey.release();
    half.release();
    return Frame.deferred(
        "vtest",
        i,
        T0 + i * 100,
        i * 100,
        0,
        bgr.cols(),
        bgr.rows(),
        image,
        () -> {
          onDecode.run();
          ByteBuffer pixels = ByteBuffer.allocateDirect((int) (bgr.total() * 3));
          byte[] data = new byte[(int) (bgr.total() * 3)];
          bgr.get(0, 0, data);
          return pixels.put(data).flip();
        },
        null);
  }
}
