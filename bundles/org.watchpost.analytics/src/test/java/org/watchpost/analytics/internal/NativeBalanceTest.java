// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.watchpost.analytics.internal.track.Box;
import org.watchpost.api.detect.Detection;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.detect.DetectorStatus;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.Region;
import org.watchpost.api.event.Event;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.pipeline.AnalyticsResult;
import org.watchpost.api.pipeline.CameraAnalytics;
import org.watchpost.capture.internal.CaptureComponent;
import org.watchpost.capture.internal.CaptureConfig;
import org.watchpost.health.internal.CameraHealthComponent;
import org.watchpost.health.internal.CameraHealthConfig;
import org.watchpost.testing.Configs;
import org.watchpost.testing.MatLedger;
import org.watchpost.testing.SharedData;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * Issue 19's guard: the per-frame paths run thousands of times, and every OpenCV Mat they make is
 * released on the path that made it. Native memory that waits for the finaliser grows with the
 * frame rate while the heap stays small, which is how a device dies after weeks; the ledger sees
 * every Mat constructor and release, so a site that forgets one shows up by name with its count. No
 * wall-clock bound: the check is a balance.
 */
// Isolated: the Mat ledger counts every Mat of the JVM, so no other test may make Mats while it
// records.
@Isolated
class NativeBalanceTest {
  /** Frames after warm-up; a leak of one Mat per frame leaves this many behind. */
  private static final int FRAMES = 1_500;

  private static final int WARM_UP = 100;

  /**
   * The real detector (letterbox preprocessing, ONNX Runtime, decode and NMS) runs on one frame in
   * this many.
   */
  private static final int DETECT_EVERY = 12;

  /**
   * Mats a site may hold across a frame boundary (a previous frame kept for a difference) without
   * leaking.
   */
  private static final int HELD_ACROSS_FRAMES = 2;

  @Test
  void perFramePathsReleaseEveryMatTheyMake() throws IOException {
    nu.pattern.OpenCV.loadLocally();
    MatLedger.install();
    Detector detector = new EveryNth(Vtest.detector(), DETECT_EVERY);
    AnalyticsComponent analytics = Vtest.component(Map.of("jpeg_crop", true), Vtest.defaultRules());
    CameraAnalytics camera = analytics.create("vtest");
    CameraHealthComponent health =
        new CameraHealthComponent(
            Configs.with(
                CameraHealthConfig.class,
                Map.of(
                    "baseline_dir",
                    SharedData.scratchDirectory("native-balance").toString(),
                    "report_interval_s",
                    10.0)));
    FrameSource source =
        new CaptureComponent(Configs.defaults(CaptureConfig.class))
            .open(new SourceSpec("vtest", SharedData.vtestMjpeg().toString(), true, false));
    long events = 0;
    long crops = 0;
    long encoded = 0;
    try {
      for (int i = 0; i < WARM_UP + FRAMES; i++) {
        if (i == WARM_UP) {
          MatLedger.start();
        }
        Frame next = source.read();
        assertTrue(next != null, "the looped clip gives a frame");
        try (Frame frame = next) {
          health.onFrame(frame);
          AnalyticsResult result = camera.process(frame, detector);
          events += result.events().size();
          // A crop per frame (of the first detection of the last detector run), also at a cap that
          // forces the
          // shrinking path: events alone would give only a few.
          if (result.detectorRan() && !result.detections().detections().isEmpty()) {
            Detection d = result.detections().detections().get(0);
            Box box = new Box(d.x1(), d.y1(), d.x2(), d.y2());
            crops += EventCrops.encode(frame, box, 16_384) != null ? 1 : 0;
            crops += EventCrops.encode(frame, box, 1_100) != null ? 1 : 0;
          }
          encoded += encode(frame, result).length;
        }
      }
    } finally {
      MatLedger.stop();
      source.close();
      camera.close();
    }
    Map<String, Integer> left = MatLedger.unreleasedBySite();
    Map<String, Integer> leaks = new LinkedHashMap<>();
    left.forEach(
        (site, count) -> {
          if (count > HELD_ACROSS_FRAMES) {
            leaks.put(site, count);
          }
        });
    // OpenCV's wrapper makes a Mat of its own for a List argument and never releases it: none may
    // come per frame.
    MatLedger.wrapperTemporariesBySite()
        .forEach(
            (site, count) -> {
              if (count > HELD_ACROSS_FRAMES) {
                leaks.put(MatLedger.OPENCV_TEMPORARY + site, count);
              }
            });
    String figures =
        FRAMES
            + " frames, "
            + events
            + " events, "
            + crops
            + " crops, "
            + encoded
            + " bytes encoded; Mats made "
            + MatLedger.made()
            + ", released "
            + MatLedger.released()
            + "; left behind by site: "
            + left
            + "; OpenCV wrapper temporaries: "
            + MatLedger.wrapperTemporariesBySite();
    System.out.println("NativeBalanceTest: " + figures);
    assertTrue(MatLedger.made() > 5L * FRAMES, "the ledger sees the paths' Mats: " + figures);
    assertTrue(crops > FRAMES / DETECT_EVERY, "crops were encoded: " + figures);
    assertTrue(
        leaks.isEmpty(),
        "Mats made per frame and never released (left to the finaliser): "
            + leaks
            + "; "
            + figures);
  }

  /**
   * What the uplink sends per frame: the frame's figures and its events as Kura payloads, batched
   * and gzipped.
   */
  private static byte[] encode(Frame frame, AnalyticsResult result) {
    List<byte[]> payloads = new ArrayList<>();
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("seq", frame.sequence());
    metrics.put("detector_ran", result.detectorRan());
    payloads.add(
        KuraPayloadCodec.encode(new KuraPayload(frame.captureEpochMillis(), null, metrics, null)));
    for (Event e : result.events()) {
      payloads.add(
          KuraPayloadCodec.encode(
              new KuraPayload(
                  frame.captureEpochMillis(),
                  null,
                  Map.of("type", e.getClass().getSimpleName()),
                  null)));
    }
    return KuraPayloadCodec.encodeBatch(frame.captureEpochMillis(), payloads);
  }

  /**
   * The real detector on one frame in {@code n}; between, its last real result, so thousands of
   * frames of analytics fit a test's time while preprocessing, inference and decode still run
   * hundreds of times.
   */
  private static final class EveryNth implements Detector {
    private final Detector real;
    private final int n;
    private int calls;
    private DetectionResult last;

    EveryNth(Detector real, int n) {
      this.real = real;
      this.n = n;
    }

    @Override
    public DetectionResult detect(Frame frame) throws DetectorUnavailableException {
      if (last == null || calls++ % n == 0) {
        last = real.detect(frame);
      }
      return last;
    }

    @Override
    public DetectionResult detect(Frame frame, Region region) throws DetectorUnavailableException {
      return real.detect(frame, region);
    }

    @Override
    public DetectorStatus status() {
      return real.status();
    }
  }
}
