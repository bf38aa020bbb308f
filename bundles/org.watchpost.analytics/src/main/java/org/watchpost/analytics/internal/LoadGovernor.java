// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

/**
 * Load shedding for one camera: compares what analytics and the detector cost per frame (wall time,
 * so it sees other cameras and processes competing for the CPU) with the time between frames, and
 * when the camera takes more than its budget, spaces detector runs further apart; when the load
 * falls well below the budget, it closes them up again. Tracks coast on their predictions between
 * runs.
 */
final class LoadGovernor {
  private static final double SMOOTHING = 0.2;
  private static final long ADJUST_EVERY_MS = 500;
  private static final long LONGEST_GAP_MS = 5000;

  /**
   * A change of the degraded state is reported once it has held this long, so that a load hovering
   * around the budget does not send a health message every second over a thin link.
   */
  private static final long REPORT_HOLD_MS = 10_000;

  private final boolean enabled;
  private final double budget;
  private final long maxIntervalMillis;
  private double costMs = -1;
  private double gapMs = -1;
  private long lastCapture = Long.MIN_VALUE;
  private long lastAdjust = Long.MIN_VALUE;
  private long minIntervalMillis;
  private boolean reportedDegraded;
  private long changedSince = Long.MIN_VALUE;

  LoadGovernor(boolean enabled, double budget, long maxIntervalMillis) {
    this.enabled = enabled;
    this.budget = budget;
    this.maxIntervalMillis = maxIntervalMillis;
  }

  /** Whether the detector may run now; runs that may prevent an alarm go at twice the shed rate. */
  boolean allows(long nowMillis, long lastRunMillis, boolean priority) {
    if (minIntervalMillis == 0 || lastRunMillis == Long.MIN_VALUE) {
      return true;
    }
    return nowMillis - lastRunMillis >= (priority ? minIntervalMillis / 2 : minIntervalMillis);
  }

  /**
   * Records one frame's cost.
   *
   * @return true when the reported degraded state changed (see {@link #reportedDegraded()})
   */
  boolean record(long captureMillis, long costNanos) {
    if (!enabled) {
      return false;
    }
    double ms = costNanos / 1e6;
    costMs = costMs < 0 ? ms : costMs + SMOOTHING * (ms - costMs);
    if (lastCapture != Long.MIN_VALUE) {
      long gap = captureMillis - lastCapture;
      if (gap > 0 && gap < LONGEST_GAP_MS) {
        gapMs = gapMs < 0 ? gap : gapMs + SMOOTHING * (gap - gapMs);
      }
    }
    lastCapture = captureMillis;
    if (gapMs > 0
        && (lastAdjust == Long.MIN_VALUE || captureMillis - lastAdjust >= ADJUST_EVERY_MS)) {
      lastAdjust = captureMillis;
      adjust();
    }
    if (degraded() == reportedDegraded) {
      changedSince = Long.MIN_VALUE;
      return false;
    }
    if (changedSince == Long.MIN_VALUE) {
      changedSince = captureMillis;
    }
    if (captureMillis - changedSince < REPORT_HOLD_MS) {
      return false;
    }
    reportedDegraded = degraded();
    changedSince = Long.MIN_VALUE;
    return true;
  }

  private void adjust() {
    double load = load();
    if (load > budget) {
      long next = Math.max(Math.round(minIntervalMillis * 1.5), Math.round(gapMs * 2));
      minIntervalMillis = Math.min(maxIntervalMillis, next);
    } else if (load < budget * 0.6 && minIntervalMillis > 0) {
      minIntervalMillis = Math.round(minIntervalMillis / 1.5);
      if (minIntervalMillis < gapMs * 1.5) {
        minIntervalMillis = 0;
      }
    }
  }

  /**
   * The degraded state as last reported: a change counts once it has held {@link #REPORT_HOLD_MS}.
   */
  boolean reportedDegraded() {
    return reportedDegraded;
  }

  boolean degraded() {
    return minIntervalMillis > 0;
  }

  long minIntervalMillis() {
    return minIntervalMillis;
  }

  /** Share of the frame time spent on the camera, smoothed. */
  double load() {
    return gapMs > 0 && costMs >= 0 ? costMs / gapMs : 0;
  }
}
