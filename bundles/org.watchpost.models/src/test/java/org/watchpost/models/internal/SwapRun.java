// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.watchpost.api.detect.Detection;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.frame.FeedMode;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameFeed;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.capture.internal.CaptureComponent;
import org.watchpost.capture.internal.CaptureConfig;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.packaging.PackageManifest;
import org.watchpost.models.protocol.ModelProtocol.Status;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * The real model swapped while a camera loop runs on vtest at its own 10 fps: the loop calls the
 * detector on every frame as the pipeline does, and a new version of YOLOX-Nano (the real weights,
 * repacked as 0.1.2 with a golden frame) is sent to the device in chunks, validated beside the
 * serving model and activated between two frames. Used by the test and by {@link SwapGapBenchmark}.
 */
final class SwapRun {
  /** What one frame got. */
  record Processed(long sequence, long doneNanos, String modelVersion, int detections) {}

  /**
   * @param frames every processed frame, in order
   * @param swapIndex index of the first frame the new model served
   * @param failures detect calls that threw
   */
  record Outcome(List<Processed> frames, int swapIndex, int failures, long skipped) {
    double gapMillis(int from, int to) {
      long worst = 0;
      for (int i = Math.max(1, from); i < Math.min(frames.size(), to); i++) {
        worst = Math.max(worst, frames.get(i).doneNanos() - frames.get(i - 1).doneNanos());
      }
      return worst / 1e6;
    }

    /** Done-to-done time between the last frame of the old model and the first of the new. */
    double swapGapMillis() {
      return (frames.get(swapIndex).doneNanos() - frames.get(swapIndex - 1).doneNanos()) / 1e6;
    }

    /** Frames the newest-wins hand-off let pass between two processed frames, in [from, to). */
    long skippedBetween(int from, int to) {
      long n = 0;
      for (int i = Math.max(1, from); i < Math.min(frames.size(), to); i++) {
        n += frames.get(i).sequence() - frames.get(i - 1).sequence() - 1;
      }
      return n;
    }

    double medianGapMillis() {
      List<Long> gaps = new ArrayList<>();
      for (int i = 1; i < frames.size(); i++) {
        gaps.add(frames.get(i).doneNanos() - frames.get(i - 1).doneNanos());
      }
      gaps.sort(null);
      return gaps.get(gaps.size() / 2) / 1e6;
    }
  }

  private SwapRun() {}

  static Outcome run(int frameCount, int installAtFrame, FeedMode feedMode) throws Exception {
    Path dir = SharedData.scratchDirectory("models-swap");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = TestModels.yoloxNanoManifest();
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"),
            factory,
            dir.resolve("keys"),
            Map.of(
                "chunk_bytes",
                256 * 1024,
                "chunks_in_flight",
                4,
                "probation_s",
                5,
                "validation_runs",
                5,
                "probation_min_calls",
                20),
            s -> s)) {
      Path golden = SharedData.image("000000000139.jpg");
      List<PackageManifest.Expected> expected = new ArrayList<>();
      try (Frame frame = ValidationFrames.load(golden, 0)) {
        for (Detection d : device.detector.detect(frame).detections()) {
          if (d.score() >= 0.5f) {
            expected.add(
                new PackageManifest.Expected(d.label(), List.of(d.x1(), d.y1(), d.x2(), d.y2())));
          }
        }
      }
      Path pkg = dir.resolve("yolox-nano-0.1.2.zip");
      new PackageBuilder(factory)
          .version("0.1.2")
          .golden("golden/0001.jpg", golden, expected, 0.8)
          .build(pkg, key.getPrivate(), key.getPublic());

      CaptureComponent capture = new CaptureComponent(Configs.defaults(CaptureConfig.class));
      List<Processed> frames = new ArrayList<>();
      int failures = 0;
      long skipped;
      try (FrameFeed feed =
          capture.feed(
              capture.open(
                  new SourceSpec("vtest", SharedData.vtestMjpeg().toString(), false, true)),
              feedMode)) {
        while (frames.size() < frameCount) {
          Frame frame = feed.take(Duration.ofSeconds(5));
          if (frame == null) {
            throw new IllegalStateException("vtest stopped delivering frames");
          }
          try (frame) {
            try {
              DetectionResult result = device.detector.detect(frame);
              frames.add(
                  new Processed(
                      frame.sequence(),
                      System.nanoTime(),
                      result.model().version(),
                      result.detections().size()));
            } catch (Exception e) {
              failures++;
            }
          }
          if (frames.size() == installAtFrame) {
            // The request arrives as from the uplink: on a thread of its own, not the camera's.
            Thread request =
                new Thread(
                    () -> {
                      try {
                        device.put(pkg, "swap-0.1.2", true);
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    },
                    "console-request");
            request.start();
          }
        }
        skipped = feed.skippedFrames();
      }
      Status outcome =
          Status.valueOf(
              (String)
                  device
                      .await(
                          "swap-0.1.2",
                          Set.of(
                              Status.PROBATION,
                              Status.COMPLETED,
                              Status.FAILED,
                              Status.ROLLED_BACK),
                          60_000)
                      .metrics()
                      .get("status"));
      if (outcome != Status.PROBATION && outcome != Status.COMPLETED) {
        throw new IllegalStateException(
            "the package was not activated: " + device.channel.installs(n -> true));
      }
      int swap = -1;
      for (int i = 0; i < frames.size(); i++) {
        if (frames.get(i).modelVersion().equals("0.1.2")) {
          swap = i;
          break;
        }
      }
      Files.deleteIfExists(pkg);
      return new Outcome(frames, swap, failures, skipped);
    }
  }
}
