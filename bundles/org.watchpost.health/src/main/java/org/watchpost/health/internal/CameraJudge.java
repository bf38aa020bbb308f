// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import static java.lang.String.format;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.watchpost.api.health.CameraState;

/**
 * Decides, for one measured frame, which states' conditions hold. The image states are checked in
 * order of how much they explain; once one holds, the ones after it are not judged (a black view is
 * also blurred, featureless and unmatched, but it is black). A raised state is judged against its
 * threshold relaxed by the hysteresis share.
 */
final class CameraJudge {
  /** Image states in order of precedence. */
  static final CameraState[] IMAGE_STATES = {
    CameraState.BLACK,
    CameraState.OVEREXPOSED,
    CameraState.FROZEN,
    CameraState.OBSTRUCTED,
    CameraState.BLURRED,
    CameraState.MOVED
  };

  /** Brightness below which contrast is not normalised further (noise dominates). */
  private static final double MIN_NORMALISING_LUMA = 10;

  private CameraJudge() {}

  /**
   * @param baseline the camera's baseline, or null while it is being learned (relative checks are
   *     skipped)
   * @param raised whether a state is raised now
   * @return a verdict per image state that was judged
   */
  static Map<CameraState, Verdict> judgeImage(
      FrameMeasurement m, Baseline baseline, CameraHealthConfig c, Predicate<CameraState> raised) {
    Map<CameraState, Verdict> verdicts = new EnumMap<>(CameraState.class);
    for (CameraState state : IMAGE_STATES) {
      Verdict verdict = judge(state, m, baseline, c, raised.test(state));
      if (verdict == null) {
        continue;
      }
      verdicts.put(state, verdict);
      if (verdict.holds()) {
        break;
      }
    }
    return verdicts;
  }

  private static Verdict judge(
      CameraState state, FrameMeasurement m, Baseline b, CameraHealthConfig c, boolean raised) {
    return switch (state) {
      case BLACK -> black(m, b, c, raised);
      case OVEREXPOSED -> overexposed(m, b, c, raised);
      case FROZEN -> frozen(m, b, c, raised);
      case OBSTRUCTED -> b == null ? null : obstructed(m, b, c, raised);
      case BLURRED -> b == null ? null : blurred(m, b, c, raised);
      case MOVED -> b == null ? null : moved(m, c, raised);
      default -> throw new IllegalArgumentException(state + " is not judged from one image");
    };
  }

  static Verdict black(FrameMeasurement m, Baseline b, CameraHealthConfig c, boolean raised) {
    double threshold = c.black_hard_luma();
    if (b != null) {
      threshold =
          Math.max(
              threshold, Math.min(c.black_max_luma(), b.meanLuma() * c.black_baseline_ratio()));
    }
    if (raised) {
      threshold *= 1 + c.hysteresis();
    }
    boolean holds = m.meanLuma() < threshold;
    String normal =
        b == null ? "" : format(Locale.ROOT, "; this camera's normal is %.1f", b.meanLuma());
    return new Verdict(
        CameraState.BLACK,
        holds,
        format(
            Locale.ROOT,
            "mean brightness %.1f is %s the black threshold %.1f%s",
            m.meanLuma(),
            holds ? "below" : "above",
            threshold,
            normal),
        metrics(
            "mean_luma",
            m.meanLuma(),
            "black_threshold",
            threshold,
            "baseline_mean_luma",
            b == null ? Double.NaN : b.meanLuma()));
  }

  static Verdict overexposed(FrameMeasurement m, Baseline b, CameraHealthConfig c, boolean raised) {
    double threshold = c.overexposed_hard_share();
    if (b != null) {
      threshold =
          Math.min(
              threshold,
              Math.max(
                  c.overexposed_min_share(), b.saturatedShare() + c.overexposed_baseline_margin()));
    }
    if (raised) {
      threshold *= 1 - c.hysteresis();
    }
    boolean holds = m.saturatedShare() >= threshold;
    return new Verdict(
        CameraState.OVEREXPOSED,
        holds,
        format(
            Locale.ROOT,
            "%.0f%% of the view is saturated (overexposed from %.0f%%)",
            100 * m.saturatedShare(),
            100 * threshold),
        metrics(
            "saturated_share",
            m.saturatedShare(),
            "overexposed_threshold",
            threshold,
            "mean_luma",
            m.meanLuma()));
  }

  static Verdict frozen(FrameMeasurement m, Baseline b, CameraHealthConfig c, boolean raised) {
    if (Double.isNaN(m.difference())) {
      return null;
    }
    double threshold = c.frozen_max_difference();
    if (b != null) {
      threshold = Math.min(threshold, 0.25 * b.differenceFloor());
    }
    if (raised) {
      threshold *= 1 + c.hysteresis();
    }
    boolean holds = m.difference() <= threshold;
    return new Verdict(
        CameraState.FROZEN,
        holds,
        format(
            Locale.ROOT,
            "frames differ by %.3f grey levels on average (frozen at or below %.3f)",
            m.difference(),
            threshold),
        metrics("frame_difference", m.difference(), "frozen_threshold", threshold));
  }

  static Verdict obstructed(FrameMeasurement m, Baseline b, CameraHealthConfig c, boolean raised) {
    double[] cells = m.cellStd();
    double norm = Math.max(m.meanLuma(), MIN_NORMALISING_LUMA);
    double baselineNorm = Math.max(b.meanLuma(), MIN_NORMALISING_LUMA);
    int textured = 0;
    int lost = 0;
    for (int i = 0; i < cells.length; i++) {
      if (b.cellStd(i) < c.obstructed_min_texture()) {
        continue;
      }
      textured++;
      if (cells[i] / norm < c.obstructed_cell_ratio() * b.cellStd(i) / baselineNorm) {
        lost++;
      }
    }
    if (textured < cells.length / 4) {
      return null;
    }
    double share = (double) lost / textured;
    double threshold = c.obstructed_share() * (raised ? 1 - c.hysteresis() : 1);
    boolean holds = share >= threshold;
    return new Verdict(
        CameraState.OBSTRUCTED,
        holds,
        format(
            Locale.ROOT,
            "%d of %d textured parts of the view lost their texture (%.0f%%; obstructed from %.0f%%)",
            lost,
            textured,
            100 * share,
            100 * threshold),
        metrics(
            "obstructed_share",
            share,
            "obstructed_threshold",
            threshold,
            "textured_cells",
            textured));
  }

  static Verdict blurred(FrameMeasurement m, Baseline b, CameraHealthConfig c, boolean raised) {
    if (b.sharpness() <= 0) {
      return null;
    }
    double ratio = m.sharpness() / b.sharpness();
    double threshold = c.blurred_ratio() * (raised ? 1 + c.hysteresis() : 1);
    boolean holds = ratio < threshold;
    return new Verdict(
        CameraState.BLURRED,
        holds,
        format(
            Locale.ROOT,
            "sharpness is %.0f%% of this camera's normal (blurred below %.0f%%)",
            100 * ratio,
            100 * threshold),
        metrics(
            "sharpness",
            m.sharpness(),
            "baseline_sharpness",
            b.sharpness(),
            "sharpness_ratio",
            ratio,
            "blurred_threshold",
            threshold));
  }

  static Verdict moved(FrameMeasurement m, CameraHealthConfig c, boolean raised) {
    if (Double.isNaN(m.match())) {
      return null;
    }
    double shiftThreshold = c.moved_shift_percent() * (raised ? 1 - c.hysteresis() : 1);
    double matchThreshold = c.moved_min_match() * (raised ? 1 + c.hysteresis() : 1);
    boolean unmatched = m.match() < matchThreshold;
    boolean shifted = m.shiftPercent() >= shiftThreshold;
    String reason =
        unmatched
            ? format(
                Locale.ROOT,
                "the view no longer matches the reference view (match %.3f, least %.3f)",
                m.match(),
                matchThreshold)
            : format(
                Locale.ROOT,
                "the view is shifted by %.1f%% against the reference (x %.1f%%, y %.1f%%; moved from %.1f%%)",
                m.shiftPercent(),
                100 * m.shiftX(),
                100 * m.shiftY(),
                shiftThreshold);
    return new Verdict(
        CameraState.MOVED,
        unmatched || shifted,
        reason,
        metrics(
            "shift_percent",
            m.shiftPercent(),
            "shift_x_percent",
            100 * m.shiftX(),
            "shift_y_percent",
            100 * m.shiftY(),
            "view_match",
            m.match(),
            "moved_threshold_percent",
            shiftThreshold));
  }

  /** LOW_FPS, or null when neither a fixed rate nor a learned one is known. */
  static Verdict lowFps(double fps, Baseline b, CameraHealthConfig c, boolean raised) {
    double threshold =
        c.low_fps() > 0
            ? c.low_fps()
            : b != null && b.fps() > 0 ? b.fps() * c.low_fps_ratio() : Double.NaN;
    if (Double.isNaN(fps) || Double.isNaN(threshold)) {
      return null;
    }
    if (raised) {
      threshold *= 1 + c.hysteresis();
    }
    boolean holds = fps < threshold;
    return new Verdict(
        CameraState.LOW_FPS,
        holds,
        format(
            Locale.ROOT,
            "the source delivers %.1f frames per second (low below %.1f)",
            fps,
            threshold),
        metrics(
            "fps",
            fps,
            "low_fps_threshold",
            threshold,
            "baseline_fps",
            b == null ? Double.NaN : b.fps()));
  }

  /** Name-value pairs; NaN values (unknown) are left out. */
  static Map<String, Double> metrics(Object... pairs) {
    Map<String, Double> metrics = new java.util.LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      double value = ((Number) pairs[i + 1]).doubleValue();
      if (!Double.isNaN(value)) {
        metrics.put((String) pairs[i], value);
      }
    }
    return metrics;
  }
}
