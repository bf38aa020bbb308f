// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
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
 * Several real cameras (vtest through the real capture, each on its own thread as the pipeline runs
 * them) share one detector that cannot keep up. One of them is greedy: it asks for three regions of
 * every frame.
 */
class DetectorSchedulingTest {
  static final int CAMERAS = 4;
  static final int SLOTS = 2;
  static final long TOTAL_RUNS = 120;

  @Test
  void everyCameraGetsItsShareAndNoMoreInferencesRunThanTheSlots() throws Exception {
    DetectorComponent detector =
        new DetectorComponent(
            Configs.with(
                InferenceConfig.class,
                Map.of(
                    "model_manifest",
                    TestModels.yoloxNanoManifest().toString(),
                    "scheduler_slots",
                    SLOTS,
                    "warmup_runs",
                    0)));
    CaptureComponent capture = new CaptureComponent(Configs.defaults(CaptureConfig.class));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong total = new AtomicLong();
    List<Thread> cameras = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    try {
      for (int c = 0; c < CAMERAS; c++) {
        String id = c == 0 ? "greedy" : "cam" + c;
        int regionsPerFrame = c == 0 ? 3 : 1;
        Thread camera =
            new Thread(
                () -> {
                  try {
                    FrameSource source =
                        capture.open(
                            new SourceSpec(id, SharedData.vtestMjpeg().toString(), true, false));
                    try {
                      while (!stop.get()) {
                        try (Frame frame = source.read()) {
                          if (frame == null) {
                            break;
                          }
                          for (int r = 0; r < regionsPerFrame && !stop.get(); r++) {
                            detector.detect(
                                frame,
                                regionsPerFrame == 1 ? null : new Region(r * 200, 0, 300, 576));
                            if (total.incrementAndGet() >= TOTAL_RUNS) {
                              stop.set(true);
                            }
                          }
                        }
                      }
                    } finally {
                      source.close();
                    }
                  } catch (Throwable e) {
                    failures.add(e);
                    stop.set(true);
                  }
                },
                "camera-" + id);
        cameras.add(camera);
        camera.start();
      }
      for (Thread camera : cameras) {
        camera.join(120_000);
      }
      assertTrue(failures.isEmpty(), failures.toString());
      Map<String, Long> runs = detector.runsByCamera();
      System.out.println(
          "detector runs by camera: "
              + runs
              + ", most at once "
              + detector.mostConcurrentInferences()
              + ", metrics "
              + detector.metrics());
      assertEquals(CAMERAS, runs.size(), runs.toString());
      long min = runs.values().stream().mapToLong(Long::longValue).min().orElseThrow();
      long max = runs.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      assertTrue(min * 2 >= max, "a camera starves or one crowds the others out: " + runs);
      assertTrue(
          detector.mostConcurrentInferences() <= SLOTS,
          "inferences at once: " + detector.mostConcurrentInferences() + ", slots " + SLOTS);
      assertTrue(
          detector.metrics().containsKey(DetectorComponent.DETECTOR_RUNS_PER_S + ".greedy"),
          detector.metrics().toString());
    } finally {
      stop.set(true);
      detector.deactivate();
    }
  }
}
