// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.Mat;
import org.opencv.imgcodecs.Imgcodecs;
import org.watchpost.api.detect.Detection;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.Region;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.capture.internal.CaptureComponent;
import org.watchpost.capture.internal.CaptureConfig;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * YOLOX-Nano through DJL and ONNX Runtime on real frames. People were labelled by eye on the frames
 * extracted with {@code ffmpeg -vf select=eq(n\,N)}: the centre of everyone whose body is mostly in
 * view.
 */
class DetectorOnRealFootageTest {
  /** vtest frame number to the centres (x, y) of the people visible in it. */
  private static final Map<Integer, int[][]> PEOPLE_IN_VTEST =
      Map.of(
          0, new int[][] {{267, 265}, {515, 195}, {663, 280}},
          300,
              new int[][] {{203, 197}, {253, 190}, {311, 195}, {330, 253}, {596, 197}, {630, 196}});

  /**
   * Person detections allowed where nobody is: YOLOX-Nano takes the blue sign at the top left
   * (about 39, 126) for a person in most frames, and now and then a traffic cone.
   */
  private static final int FALSE_PEOPLE_ALLOWED = 2;

  private static YoloxDetectorEngine engine;

  @BeforeAll
  static void load() throws Exception {
    nu.pattern.OpenCV.loadLocally();
    DetectorSettings settings =
        DetectorSettings.from(Configs.defaults(InferenceConfig.class))
            .withManifest(TestModels.yoloxNanoManifest());
    engine = YoloxDetectorEngine.load(VerifiedModel.load(settings.manifest()), settings);
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  private static long persons(DetectionResult result) {
    return result.detections().stream().filter(d -> d.label().equals("person")).count();
  }

  @Test
  void findsThePeopleCountedByEyeInVtestFrames() throws Exception {
    FrameSource source =
        new CaptureComponent(Configs.defaults(CaptureConfig.class))
            .open(new SourceSpec("vtest", SharedData.vtestMjpeg().toString(), false, false));
    try {
      int wanted = PEOPLE_IN_VTEST.size();
      Frame next;
      while (wanted > 0 && (next = source.read()) != null) {
        try (Frame frame = next) {
          int[][] people = PEOPLE_IN_VTEST.get((int) frame.sequence());
          if (people == null) {
            continue;
          }
          wanted--;
          DetectionResult result = engine.detect(frame, null);
          List<Detection> found =
              result.detections().stream().filter(d -> d.label().equals("person")).toList();
          System.out.printf(
              "vtest frame %d: %d people labelled, found %s%n",
              frame.sequence(), people.length, found);
          for (int[] centre : people) {
            assertTrue(
                found.stream()
                    .anyMatch(
                        d ->
                            d.x1() <= centre[0]
                                && centre[0] <= d.x2()
                                && d.y1() <= centre[1]
                                && centre[1] <= d.y2()),
                "frame " + frame.sequence() + ": nobody found at " + Arrays.toString(centre));
          }
          long unlabelled =
              found.stream()
                  .filter(
                      d ->
                          Arrays.stream(people)
                              .noneMatch(
                                  c ->
                                      d.x1() <= c[0]
                                          && c[0] <= d.x2()
                                          && d.y1() <= c[1]
                                          && c[1] <= d.y2()))
                  .count();
          assertTrue(
              unlabelled <= FALSE_PEOPLE_ALLOWED,
              "frame " + frame.sequence() + ": " + unlabelled + " people found where nobody is");
          for (Detection d : result.detections()) {
            assertTrue(
                d.x1() >= 0 && d.y1() >= 0 && d.x2() <= 768 && d.y2() <= 576,
                "box inside the frame: " + d);
          }
          assertTrue(
              result.inferenceNanos() > 0
                  && result.preprocessNanos() > 0
                  && result.postprocessNanos() > 0);
        }
      }
      assertEquals(0, wanted, "all chosen frames were read");
    } finally {
      source.close();
    }
  }

  @Test
  void findsPeopleInCocoImagesCountedByEye() throws Exception {
    // 000000000785.jpg: one skier. 000000001000.jpg: a tennis group of twelve, nine in front and
    // three
    // half hidden in the back row, hence the tolerance.
    assertPeople("000000000785.jpg", 1, 0);
    assertPeople("000000001000.jpg", 12, 2);
  }

  private static void assertPeople(String name, int expected, int tolerance) throws Exception {
    Mat image = Imgcodecs.imread(SharedData.image(name).toString());
    try {
      DetectionResult result = engine.detect(image, null);
      long found = persons(result);
      System.out.printf("%s: %d people expected, found %d%n", name, expected, found);
      assertTrue(
          Math.abs(found - expected) <= tolerance,
          name + ": found " + found + " people, expected " + expected);
    } finally {
      image.release();
    }
  }

  @Test
  void aRegionAtModelResolutionFindsTheSamePeopleInWholeFrameCoordinates() throws Exception {
    FrameSource source =
        new CaptureComponent(Configs.defaults(CaptureConfig.class))
            .open(new SourceSpec("vtest", SharedData.vtestMjpeg().toString(), false, false));
    try (Frame frame = source.read()) {
      DetectionResult whole = engine.detect(frame, null);
      Detection person =
          whole.detections().stream()
              .filter(d -> d.label().equals("person"))
              .findFirst()
              .orElseThrow();
      int x = Math.max(0, (int) person.centerX() - 104);
      int y = Math.max(0, (int) person.centerY() - 104);
      List<Detection> inRegion = engine.detect(frame, new Region(x, y, 208, 208)).detections();
      assertTrue(
          inRegion.stream().anyMatch(d -> d.label().equals("person") && d.iou(person) > 0.5),
          "the person " + person + " is found again in the region: " + inRegion);
    } finally {
      source.close();
    }
  }

  @Test
  void theDetectorServicePublishesItsLatencyOnceItHasServedFrames() throws Exception {
    DetectorComponent detector =
        new DetectorComponent(
            Configs.with(
                InferenceConfig.class,
                Map.of(
                    "model_manifest",
                    TestModels.yoloxNanoManifest().toString(),
                    "warmup_runs",
                    1)));
    FrameSource source =
        new CaptureComponent(Configs.defaults(CaptureConfig.class))
            .open(new SourceSpec("vtest", SharedData.vtestMjpeg().toString(), false, false));
    try {
      assertTrue(
          !detector.metrics().containsKey("inference_latency_p50_ms"),
          "nothing served yet: " + detector.metrics());
      for (int i = 0; i < 3; i++) {
        try (Frame frame = source.read()) {
          detector.detect(frame);
        }
      }
      Map<String, Object> metrics = detector.metrics();
      double p50 = ((Number) metrics.get("inference_latency_p50_ms")).doubleValue();
      double p95 = ((Number) metrics.get("inference_latency_p95_ms")).doubleValue();
      assertTrue(p50 > 0 && p95 >= p50, metrics.toString());
      assertEquals(3L, detector.servingStats().calls());
    } finally {
      source.close();
      detector.deactivate();
    }
  }
}
