// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Every tuning value of camera health. Thresholds marked "baseline" are relative to what this
 * camera looked like while it was learned; the others are absolute. A raised state clears at its
 * threshold relaxed by the hysteresis share, so a value hovering at a threshold does not flap.
 */
@ObjectClassDefinition(
    id = CameraHealthConfig.PID,
    name = "Watchpost camera health",
    description =
        "Judges each camera from its own frames: no signal, frozen, black, overexposed, blurred, "
            + "obstructed, moved, low frame rate. Alarms are raised and cleared with debounce and hysteresis.")
public @interface CameraHealthConfig {
  String PID = "org.watchpost.health.camera";

  @AttributeDefinition(
      name = "Analysed frames per second",
      description =
          "Frames per second looked at per camera; the others only count towards the frame rate.",
      min = "0.1",
      max = "30")
  double analysis_fps() default 2.0;

  @AttributeDefinition(
      name = "Baseline directory",
      description =
          "Where each camera's learned baseline is kept across restarts (one file per camera); a relative path "
              + "is taken from the working directory, the install root for ./watchpost, whose var/ holds the device's state.")
  String baseline_dir() default "var/health/baselines";

  @AttributeDefinition(
      name = "Baseline learning time (s)",
      description =
          "Camera time spent learning a camera's normal look before relative checks start.",
      min = "2")
  double baseline_learn_s() default 20;

  @AttributeDefinition(
      name = "Baseline adaptation time constant (s)",
      description = "How slowly the baseline follows gradual change while the camera is healthy.",
      min = "10")
  double baseline_adapt_s() default 1800;

  @AttributeDefinition(
      name = "Reference view time constant (s)",
      description =
          "How slowly the reference view (for MOVED) follows the scene while the camera is healthy.",
      min = "5")
  double reference_adapt_s() default 120;

  @AttributeDefinition(
      name = "Baseline save interval (s)",
      description = "How often an adapted baseline is written.",
      min = "10")
  double baseline_save_s() default 600;

  @AttributeDefinition(
      name = "Raise after (s)",
      description = "A condition must hold this long before its alarm is raised.",
      min = "0")
  double raise_after_s() default 3;

  @AttributeDefinition(
      name = "Clear after (s)",
      description = "A raised condition must be gone this long before it clears.",
      min = "0")
  double clear_after_s() default 3;

  @AttributeDefinition(
      name = "Hysteresis",
      description = "Share by which a raised state's threshold is relaxed before it can clear.",
      min = "0",
      max = "0.9")
  double hysteresis() default 0.2;

  @AttributeDefinition(
      name = "No signal after (s)",
      description =
          "The source reconnecting, still starting, or running without delivering a frame for this long raises NO_SIGNAL.",
      min = "1")
  double no_signal_after_s() default 5;

  @AttributeDefinition(
      name = "Frozen after (s)",
      description = "Near-identical frames for this long raise FROZEN.",
      min = "1")
  double frozen_after_s() default 4;

  @AttributeDefinition(
      name = "Frozen difference",
      description =
          "Mean absolute grey difference between analysed frames at or below which they count as identical "
              + "(lowered to a quarter of the camera's own quietest difference when that is lower).",
      min = "0")
  double frozen_max_difference() default 0.1;

  @AttributeDefinition(
      name = "Black: always below",
      description =
          "Mean brightness (0..255) below which a frame is black whatever the camera's baseline.",
      min = "0",
      max = "255")
  double black_hard_luma() default 12;

  @AttributeDefinition(
      name = "Black: at most",
      description = "The largest brightness threshold for BLACK, however bright the baseline.",
      min = "0",
      max = "255")
  double black_max_luma() default 40;

  @AttributeDefinition(
      name = "Black: baseline share",
      description =
          "BLACK when brightness falls below this share of the camera's baseline brightness (capped by 'Black: at most').",
      min = "0",
      max = "1")
  double black_baseline_ratio() default 0.35;

  @AttributeDefinition(
      name = "Overexposed: always above",
      description =
          "Share of saturated pixels above which a frame is overexposed whatever the baseline.",
      min = "0",
      max = "1")
  double overexposed_hard_share() default 0.9;

  @AttributeDefinition(
      name = "Overexposed: at least",
      description = "The smallest saturated share that can be OVEREXPOSED.",
      min = "0",
      max = "1")
  double overexposed_min_share() default 0.5;

  @AttributeDefinition(
      name = "Overexposed: baseline margin",
      description =
          "OVEREXPOSED when the saturated share exceeds the baseline's by this much (and 'at least').",
      min = "0",
      max = "1")
  double overexposed_baseline_margin() default 0.3;

  @AttributeDefinition(
      name = "Blurred: baseline share",
      description =
          "BLURRED when sharpness (Laplacian spread per unit of contrast) falls below this share of the baseline.",
      min = "0",
      max = "1")
  double blurred_ratio() default 0.5;

  @AttributeDefinition(
      name = "Obstructed: share of view",
      description =
          "OBSTRUCTED when at least this share of the textured grid cells lost their texture.",
      min = "0",
      max = "1")
  double obstructed_share() default 0.6;

  @AttributeDefinition(
      name = "Obstructed: cell texture share",
      description =
          "A cell lost its texture when its contrast fell below this share of its baseline contrast.",
      min = "0",
      max = "1")
  double obstructed_cell_ratio() default 0.3;

  @AttributeDefinition(
      name = "Obstructed: textured cell",
      description =
          "Grey-level spread a grid cell needs in the baseline to be judged at all (blank walls and sky are not).",
      min = "0")
  double obstructed_min_texture() default 4;

  @AttributeDefinition(
      name = "View averaging time (s)",
      description =
          "The current view compared with the reference is the structure of the frames of about this long, so that moving people do not count as the view.",
      min = "0")
  double view_average_s() default 2;

  @AttributeDefinition(
      name = "Moved: shift (% of the view)",
      description =
          "MOVED when the view shifted against the reference by at least this share of its width or height.",
      min = "0.1")
  double moved_shift_percent() default 2.5;

  @AttributeDefinition(
      name = "Moved: least match",
      description =
          "MOVED when the view matches the reference worse than this (phase correlation peak, 0..1); 0 turns the check off.",
      min = "0",
      max = "1")
  double moved_min_match() default 0.03;

  @AttributeDefinition(
      name = "Low frame rate: fixed (fps)",
      description =
          "LOW_FPS below this rate; 0 means relative to the rate learned in the baseline.",
      min = "0")
  double low_fps() default 0;

  @AttributeDefinition(
      name = "Low frame rate: baseline share",
      description = "With no fixed rate, LOW_FPS below this share of the learned rate.",
      min = "0",
      max = "1")
  double low_fps_ratio() default 0.5;

  @AttributeDefinition(
      name = "Frame rate window (s)",
      description = "The span over which the source's frame rate is measured.",
      min = "1")
  double fps_window_s() default 3;

  @AttributeDefinition(
      name = "Telemetry interval (s)",
      description = "How often each camera's health report is sent.",
      min = "1")
  double report_interval_s() default 60;
}
