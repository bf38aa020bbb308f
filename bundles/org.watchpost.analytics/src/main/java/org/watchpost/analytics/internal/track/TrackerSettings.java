// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.track;

/**
 * Tracker tuning, checked. Thresholds on detection scores follow ByteTrack: detections at or above
 * {@code highScore} are matched first, the rest (down to the detector's own threshold) only keep
 * confirmed tracks alive.
 *
 * @param highScore detections at or above are associated first
 * @param newTrackScore lowest score that starts a track
 * @param matchIou lowest IoU for the first association (confirmed and lost tracks, high detections)
 * @param lowMatchIou lowest IoU for the second association (confirmed tracks, low detections)
 * @param tentativeMatchIou lowest IoU for tentative tracks
 * @param minHits detector runs a track must be matched on to be confirmed
 * @param maxLostMillis how long a lost moving track is kept (occlusions shorter than this keep the
 *     identity)
 * @param stationaryMaxLostMillis how long a lost stationary track is kept
 * @param stationaryAfterMillis how long an object must stay still to become stationary
 * @param stationaryRadius how far (share of its height) a still object's centre may wander
 * @param minTravel how far (share of its height) an object must move before it counts as having
 *     moved
 */
public record TrackerSettings(
    float highScore,
    float newTrackScore,
    float matchIou,
    float lowMatchIou,
    float tentativeMatchIou,
    int minHits,
    long maxLostMillis,
    long stationaryMaxLostMillis,
    long stationaryAfterMillis,
    float stationaryRadius,
    float minTravel) {

  public static TrackerSettings defaults() {
    return new TrackerSettings(0.5f, 0.5f, 0.2f, 0.5f, 0.3f, 3, 2000, 300_000, 10_000, 0.25f, 0.5f);
  }

  public TrackerSettings {
    check(highScore > 0 && highScore <= 1, "track_high_score must be in (0, 1]");
    check(newTrackScore > 0 && newTrackScore <= 1, "track_new_score must be in (0, 1]");
    check(
        matchIou > 0
            && matchIou < 1
            && lowMatchIou > 0
            && lowMatchIou < 1
            && tentativeMatchIou > 0
            && tentativeMatchIou < 1,
        "match IoU thresholds must be in (0, 1)");
    check(minHits >= 1, "track_min_hits must be at least 1");
    check(
        maxLostMillis >= 0 && stationaryMaxLostMillis >= 0,
        "lost track lifetimes must not be negative");
    check(stationaryAfterMillis > 0, "stationary_after_s must be positive");
    check(
        stationaryRadius > 0 && minTravel > 0, "stationary_radius and min_travel must be positive");
  }

  private static void check(boolean condition, String problem) {
    if (!condition) {
      throw new IllegalArgumentException(problem);
    }
  }
}
