// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.opencv.video.BackgroundSubtractorMOG2;
import org.opencv.video.Video;
import org.watchpost.analytics.internal.rules.RuleParser;
import org.watchpost.api.event.Event;
import org.watchpost.api.frame.Frame;
import org.watchpost.testing.SharedData;

/**
 * Scenes where nothing that matters moves, made from vtest itself, analysed with the real detector
 * and the default rules plus a zone over the whole frame.
 */
class QuietSceneTest {
  private static final long T0 = 1_764_000_000_000L;
  private static Mat busyFrame;
  private static Mat emptyPlaza;

  @BeforeAll
  static void makeScenes() {
    nu.pattern.OpenCV.loadLocally();
    BackgroundSubtractorMOG2 model =
        Video.createBackgroundSubtractorMOG2(Vtest.FRAMES / 3, 16, false);
    Mat mask = new Mat();
    Vtest.frames(
        frame -> {
          Mat bgr = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
          if (frame.sequence() == 300) {
            busyFrame = bgr.clone();
          }
          if (frame.sequence() % 3 == 0) {
            model.apply(bgr, mask);
          }
          bgr.release();
        });
    // The background model of the whole clip: the plaza without the people who walk through it.
    emptyPlaza = new Mat();
    model.getBackgroundImage(emptyPlaza);
    Imgcodecs.imwrite(
        SharedData.scratchDirectory("quiet").resolve("empty-plaza.png").toString(), emptyPlaza);
    mask.release();
  }

  private static Frame frame(Mat bgr, long i) {
    ByteBuffer pixels = ByteBuffer.allocateDirect((int) (bgr.total() * 3));
    byte[] data = new byte[(int) (bgr.total() * 3)];
    bgr.get(0, 0, data);
    pixels.put(data).flip();
    return new Frame("vtest", i, T0 + i * 100, i * 100, 0, bgr.cols(), bgr.rows(), pixels, null);
  }

  private static Vtest.Run analyse(Consumer<Consumer<Frame>> frames) {
    List<RuleSource> rules = new ArrayList<>(Vtest.defaultRules());
    rules.add(
        Vtest.source(
            "everywhere",
            new RuleParser.Input(
                "everywhere",
                "*",
                "zone_intrusion",
                "0,0 1,0 1,1 0,1",
                new String[] {"person", "vehicle"},
                "always",
                "UTC",
                30,
                5,
                600,
                "both",
                60,
                "")));
    AnalyticsComponent component =
        Vtest.component(Map.of("incidents", false, "load_shedding", false), rules);
    return Vtest.run(component, frames, Vtest.detector());
  }

  @Test
  void aStaticSceneRunsTheDetectorOnAtMostOneFrameInTenAndRaisesNothing() {
    Vtest.Run run =
        analyse(
            sink -> {
              for (int i = 0; i < 300; i++) {
                try (Frame f = frame(busyFrame, i)) {
                  sink.accept(f);
                }
              }
            });
    System.out.printf(
        "static scene: detector on %d of 300 frames, %d person tracks, events %s%n",
        run.detectorRuns(), run.personIds().size(), run.events());
    assertTrue(
        run.detectorRuns() <= 30, "detector ran on " + run.detectorRuns() + " of 300 frames");
    assertTrue(
        run.personIds().size() >= 5,
        "the six people standing in the frame are tracked: " + run.personIds());
    assertEquals(List.of(), run.events(), "people who never move, and the sign, raise nothing");
  }

  /**
   * One small, far person (a real one from frame 300, scaled to 35 px tall) walking along the back
   * of the empty plaza: the only motion is small, so the detector looks at a crop around it at
   * model resolution.
   */
  @Test
  void aSmallFarPersonIsDetectedInACropAroundItsMotion() throws Exception {
    org.watchpost.api.detect.Detection person;
    try (Frame f = frame(busyFrame, 0)) {
      person =
          Vtest.detector().detect(f).detections().stream()
              .filter(d -> d.label().equals("person"))
              .filter(d -> d.x1() > 150 && d.x2() < 650)
              .max(java.util.Comparator.comparing(d -> d.score()))
              .orElseThrow();
    }
    Mat patch = new Mat();
    Mat cut =
        busyFrame.submat(
            new org.opencv.core.Rect(
                (int) person.x1() - 3,
                (int) person.y1() - 3,
                (int) person.width() + 6,
                (int) person.height() + 6));
    double scale = 35.0 / person.height();
    Imgproc.resize(
        cut,
        patch,
        new Size(Math.round(cut.cols() * scale), Math.round(cut.rows() * scale)),
        0,
        0,
        Imgproc.INTER_AREA);
    cut.release();
    Map<String, Object> results = new java.util.TreeMap<>();
    for (boolean crop : new boolean[] {false, true}) {
      List<RuleSource> rules =
          List.of(
              Vtest.source(
                  "everywhere",
                  new RuleParser.Input(
                      "everywhere",
                      "*",
                      "zone_intrusion",
                      "0,0 1,0 1,1 0,1",
                      new String[] {"person"},
                      "always",
                      "UTC",
                      30,
                      5,
                      600,
                      "both",
                      60,
                      "")));
      AnalyticsComponent component =
          Vtest.component(
              Map.of("incidents", false, "load_shedding", false, "crop_detection", crop), rules);
      Vtest.Run run =
          Vtest.run(
              component,
              sink -> {
                Mat scene = new Mat();
                for (int i = 0; i < 60; i++) {
                  emptyPlaza.copyTo(scene);
                  int x = 480 + i * 3;
                  patch.copyTo(
                      scene.submat(
                          new org.opencv.core.Rect(
                              x, 100 - patch.rows(), patch.cols(), patch.rows())));
                  try (Frame f = frame(scene, i)) {
                    sink.accept(f);
                  }
                }
                scene.release();
              },
              Vtest.detector());
      results.put(
          crop ? "crop" : "whole",
          run.summary().get("crop_detector_runs")
              + " crop runs, "
              + run.personIds().size()
              + " person tracks, "
              + run.events().size()
              + " events "
              + run.lives());
      if (crop) {
        assertTrue(
            (Long) run.summary().get("crop_detector_runs") > 10,
            "detected in crops: " + run.summary());
        assertEquals(1, run.personIds().size(), "the far person is tracked as one: " + run.lives());
        assertEquals(1, run.events().size(), "and raises its intrusion: " + run.events());
      }
    }
    System.out.println("small far person: " + results);
    patch.release();
  }

  @Test
  void shadowsAndLightChangingOverTheEmptyPlazaGiveNoObjectEvents() {
    int frames = 150;
    Vtest.Run run =
        analyse(
            sink -> {
              // A soft cloud shadow drifting across the plaza, and the light slowly rising and
              // falling. The shadow is
              // drawn and blurred once on a larger canvas; each frame looks at it through a moving
              // window.
              int w = emptyPlaza.cols();
              int h = emptyPlaza.rows();
              Mat canvas = new Mat(h + 240, w + 1400, CvType.CV_32FC3, new Scalar(1, 1, 1));
              Imgproc.ellipse(
                  canvas,
                  new Point(w / 2.0 + 700, h / 2.0 + 120),
                  new Size(220, 130),
                  20,
                  0,
                  360,
                  new Scalar(0.6, 0.6, 0.65),
                  -1);
              Imgproc.GaussianBlur(canvas, canvas, new Size(0, 0), 40);
              Mat scene = new Mat();
              Mat lit = new Mat();
              emptyPlaza.convertTo(lit, CvType.CV_32FC3);
              for (int i = 0; i < frames; i++) {
                int dx = w / 2 + 900 - 8 * i;
                int dy = (int) Math.round(158 - 60 * Math.sin(i / 15.0));
                Mat shadow = canvas.submat(new org.opencv.core.Rect(dx, dy, w, h));
                double light = 1 + 0.12 * Math.sin(i / 10.0);
                Core.multiply(lit, shadow, scene, light);
                shadow.release();
                scene.convertTo(scene, CvType.CV_8UC3);
                try (Frame f = frame(scene, i)) {
                  sink.accept(f);
                }
              }
              canvas.release();
              scene.release();
              lit.release();
            });
    List<Event> objectEvents = run.events();
    System.out.printf(
        "shadows: detector on %d of %d frames, %d person tracks, events %s%n",
        run.detectorRuns(), frames, run.personIds().size(), objectEvents);
    assertTrue(
        run.detectorRuns() > 10,
        "the gate saw the shadow move and let the detector look: " + run.detectorRuns());
    assertEquals(List.of(), objectEvents);
  }
}
