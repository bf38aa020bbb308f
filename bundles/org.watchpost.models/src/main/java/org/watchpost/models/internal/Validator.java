// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.watchpost.api.detect.Detection;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.LoadedModel;
import org.watchpost.api.detect.ModelProbe;
import org.watchpost.api.frame.Frame;
import org.watchpost.models.packaging.PackageManifest;
import org.watchpost.models.packaging.PackageRejectedException;
import org.watchpost.models.packaging.Rejection;

/**
 * Decides whether a loaded candidate may serve: on the package's golden frames (else the device's
 * stored frames, else a noise frame) its raw output has the declared shape, only finite values and
 * scores in [0, 1], it does not fire everywhere, it finds what the golden frames expect, and its
 * median time per frame is within the latency factor of the active model's, measured alternately in
 * the same run.
 */
final class Validator {
  private static final float MATCH_IOU = 0.5f;

  /**
   * Differences below this are scheduling noise on a busy two-core device, not a slower model: the
   * factor is applied to the active model's time plus this.
   */
  static final double LATENCY_SLACK_MILLIS = 2.0;

  private static final int WARM_UP_RUNS = 3;

  /**
   * What validation measured.
   *
   * @param candidateMillis median time per frame of the candidate
   * @param activeMillis median of the active model on the same frames; NaN without an active model
   */
  record Outcome(double candidateMillis, double activeMillis, int frames) {}

  private final ModelsSettings settings;

  Validator(ModelsSettings settings) {
    this.settings = settings;
  }

  Outcome validate(
      LoadedModel candidate, LoadedModel active, PackageManifest manifest, Path slotDir)
      throws PackageRejectedException {
    List<Frame> frames = new ArrayList<>();
    List<PackageManifest.Golden> golden = manifest.goldenFrames();
    try {
      for (PackageManifest.Golden g : golden) {
        frames.add(ValidationFrames.load(slotDir.resolve(g.file()), frames.size()));
      }
      if (frames.isEmpty()) {
        frames.addAll(ValidationFrames.stored(settings.validationFrames()));
      }
      if (frames.isEmpty()) {
        frames.add(ValidationFrames.noise(640, 480));
      }
    } catch (IOException e) {
      frames.forEach(Frame::close);
      throw new PackageRejectedException(
          Rejection.VALIDATION_FAILED, "validation frames: " + e.getMessage(), e);
    }
    try {
      return run(candidate, active, manifest, golden, frames);
    } finally {
      frames.forEach(Frame::close);
    }
  }

  private Outcome run(
      LoadedModel candidate,
      LoadedModel active,
      PackageManifest manifest,
      List<PackageManifest.Golden> golden,
      List<Frame> frames)
      throws PackageRejectedException {
    String who = manifest.name() + " " + manifest.version();
    List<Long> candidateNanos = new ArrayList<>();
    List<Long> activeNanos = new ArrayList<>();
    for (int f = 0; f < frames.size(); f++) {
      Frame frame = frames.get(f);
      ModelProbe probe = probe(candidate, frame, who);
      check(probe, who, f);
      if (f == 0) {
        // Untimed: the first runs of a new session (and of a new lane on the active one) allocate
        // what later runs
        // reuse; timing them would compare a cold model with a warm one.
        for (int warm = 0; warm < WARM_UP_RUNS; warm++) {
          probe(candidate, frame, who);
          if (active != null) {
            try {
              active.probe(frame);
            } catch (DetectorUnavailableException e) {
              // compared below, if it comes back
            }
          }
        }
      }
      if (f < golden.size()) {
        checkGolden(probe.result().detections(), golden.get(f), who);
      }
      for (int run = 0; run < settings.validationRuns(); run++) {
        long timed = probe(candidate, frame, who).result().totalNanos();
        candidateNanos.add(timed);
        yieldToCameras(timed);
        if (active != null) {
          try {
            activeNanos.add(active.probe(frame).result().totalNanos());
          } catch (DetectorUnavailableException e) {
            // The active model may be swapped meanwhile; its time is then not compared.
          }
        }
      }
    }
    double candidateMedian = median(candidateNanos) / 1e6;
    double activeMedian = activeNanos.isEmpty() ? Double.NaN : median(activeNanos) / 1e6;
    if (!Double.isNaN(activeMedian)
        && candidateMedian > settings.latencyFactor() * (activeMedian + LATENCY_SLACK_MILLIS)) {
      throw new PackageRejectedException(
          Rejection.VALIDATION_FAILED,
          String.format(
              Locale.ROOT,
              "%s is too slow: %.1f ms per frame, the active model takes %.1f ms (at most %.1fx allowed)",
              who,
              candidateMedian,
              activeMedian,
              settings.latencyFactor()));
    }
    return new Outcome(candidateMedian, activeMedian, frames.size());
  }

  private static ModelProbe probe(LoadedModel model, Frame frame, String who)
      throws PackageRejectedException {
    try {
      return model.probe(frame);
    } catch (DetectorUnavailableException | RuntimeException e) {
      throw new PackageRejectedException(
          Rejection.VALIDATION_FAILED, who + " failed on a validation frame: " + e.getMessage(), e);
    }
  }

  private void check(ModelProbe probe, String who, int frame) throws PackageRejectedException {
    if (probe.nonFinite() > 0) {
      throw new PackageRejectedException(
          Rejection.VALIDATION_FAILED,
          who
              + " returned "
              + probe.nonFinite()
              + " NaN or infinite values on validation frame "
              + frame);
    }
    if (probe.scoresOutOfRange() > 0) {
      throw new PackageRejectedException(
          Rejection.VALIDATION_FAILED,
          who
              + " returned "
              + probe.scoresOutOfRange()
              + " scores outside [0, 1] on validation frame "
              + frame);
    }
    if (probe.rows() > 0
        && probe.rowsOverThreshold() > settings.maxRowsOverThreshold() * probe.rows()) {
      throw new PackageRejectedException(
          Rejection.VALIDATION_FAILED,
          String.format(
              Locale.ROOT,
              "%s fires on %d of %d output rows on validation frame %d (at most %.0f%% allowed): garbage outputs",
              who,
              probe.rowsOverThreshold(),
              probe.rows(),
              frame,
              100 * settings.maxRowsOverThreshold()));
    }
    if (probe.outputShape().length != 3) {
      throw new PackageRejectedException(
          Rejection.VALIDATION_FAILED,
          who
              + " returned an output of shape "
              + Arrays.toString(probe.outputShape())
              + ", not [1, rows, 5 + classes]");
    }
  }

  private static void checkGolden(List<Detection> found, PackageManifest.Golden golden, String who)
      throws PackageRejectedException {
    if (golden.detections().isEmpty()) {
      return;
    }
    boolean[] used = new boolean[found.size()];
    int matched = 0;
    for (PackageManifest.Expected expected : golden.detections()) {
      Detection want =
          new Detection(
              -1,
              expected.label(),
              1,
              expected.box().get(0),
              expected.box().get(1),
              expected.box().get(2),
              expected.box().get(3));
      for (int i = 0; i < found.size(); i++) {
        if (!used[i]
            && found.get(i).label().equals(expected.label())
            && found.get(i).iou(want) >= MATCH_IOU) {
          used[i] = true;
          matched++;
          break;
        }
      }
    }
    double recall = matched / (double) golden.detections().size();
    if (recall < golden.recallRequired()) {
      throw new PackageRejectedException(
          Rejection.VALIDATION_FAILED,
          String.format(
              Locale.ROOT,
              "%s finds %d of the %d objects expected on golden frame %s (recall %.2f, at least %.2f required)",
              who,
              matched,
              golden.detections().size(),
              golden.file(),
              recall,
              golden.recallRequired()));
    }
  }

  /**
   * Validation runs beside the cameras on the same cores: after each inference it pauses as long as
   * the inference took, so that it takes at most half a core from the pipelines.
   */
  private static void yieldToCameras(long nanos) {
    try {
      Thread.sleep(Math.min(500, nanos / 1_000_000), (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static double median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.isEmpty() ? Double.NaN : sorted.get((sorted.size() - 1) / 2);
  }
}
