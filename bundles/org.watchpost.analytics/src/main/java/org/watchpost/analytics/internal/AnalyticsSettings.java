// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import org.watchpost.analytics.internal.motion.MotionSettings;
import org.watchpost.analytics.internal.track.TrackerSettings;

/** A checked {@link AnalyticsConfig}: malformed values are rejected here, naming the property. */
public record AnalyticsSettings(
    boolean gating,
    MotionSettings motion,
    TrackerSettings tracker,
    long confirmIntervalMillis,
    long trackedMotionIntervalMillis,
    long stationaryCheckMillis,
    boolean cropDetection,
    int cropSize,
    double cropMaxMotion,
    boolean incidents,
    long incidentQuietMillis,
    long incidentMaxMillis,
    boolean loadShedding,
    double cpuBudget,
    long maxDetectIntervalMillis,
    boolean jpegCrop,
    int jpegCropMaxBytes) {

  public static AnalyticsSettings from(AnalyticsConfig c) {
    try {
      MotionSettings motion =
          new MotionSettings(
              c.motion_width(), c.motion_history(), c.motion_threshold(), c.motion_min_area());
      TrackerSettings tracker =
          new TrackerSettings(
              c.track_high_score(),
              c.track_new_score(),
              0.2f,
              0.5f,
              0.3f,
              c.track_min_hits(),
              c.max_lost_ms(),
              Math.round(c.stationary_max_lost_s() * 1000),
              Math.round(c.stationary_after_s() * 1000),
              c.stationary_radius(),
              c.min_travel());
      return new AnalyticsSettings(
          c.motion_gating(),
          motion,
          tracker,
          c.confirm_interval_ms(),
          c.tracked_motion_interval_ms(),
          c.stationary_check_interval_ms(),
          c.crop_detection(),
          c.crop_size_px(),
          c.crop_max_motion(),
          c.incidents(),
          Math.round(c.incident_quiet_s() * 1000),
          Math.round(c.incident_max_s() * 1000),
          c.load_shedding(),
          c.cpu_budget(),
          c.max_detect_interval_ms(),
          c.jpeg_crop(),
          c.jpeg_crop_max_bytes());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid analytics configuration " + AnalyticsConfig.PID + ": " + e.getMessage(), e);
    }
  }

  public AnalyticsSettings {
    require(confirmIntervalMillis > 0, "confirm_interval_ms must be positive");
    require(trackedMotionIntervalMillis >= 0, "tracked_motion_interval_ms must not be negative");
    require(stationaryCheckMillis > 0, "stationary_check_interval_ms must be positive");
    require(cropSize >= 64, "crop_size_px must be at least 64");
    require(cropMaxMotion >= 0 && cropMaxMotion <= 1, "crop_max_motion must be 0..1");
    require(incidentQuietMillis > 0 && incidentMaxMillis > 0, "incident times must be positive");
    require(cpuBudget >= 0.05 && cpuBudget <= 1, "cpu_budget must be 0.05..1");
    require(maxDetectIntervalMillis >= 100, "max_detect_interval_ms must be at least 100");
    require(jpegCropMaxBytes >= 1024, "jpeg_crop_max_bytes must be at least 1024");
  }

  private static void require(boolean condition, String problem) {
    if (!condition) {
      throw new IllegalArgumentException(problem);
    }
  }
}
