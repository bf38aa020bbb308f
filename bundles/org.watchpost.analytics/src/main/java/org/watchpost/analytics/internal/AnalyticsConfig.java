// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Tuning of the analytics of every camera; the rules are configured one by one ({@link
 * RuleConfig}).
 */
@ObjectClassDefinition(
    id = AnalyticsConfig.PID,
    name = "Watchpost analytics",
    description =
        "Motion gate, tracker, stationary objects, incidents, load shedding and event crops. Applies to cameras started after a change.")
public @interface AnalyticsConfig {
  String PID = "org.watchpost.analytics";

  @AttributeDefinition(
      name = "Motion gating",
      description =
          "Run the detector only on motion and to confirm tracks; off runs it on every frame.")
  boolean motion_gating() default true;

  @AttributeDefinition(
      name = "Motion width (px)",
      description = "Width frames are scaled down to for background subtraction.",
      min = "32",
      max = "1920")
  int motion_width() default 192;

  @AttributeDefinition(
      name = "Motion history (frames)",
      description = "Frames the background model remembers; longer ignores slow changes better.",
      min = "2")
  int motion_history() default 300;

  @AttributeDefinition(
      name = "Motion threshold",
      description = "MOG2 variance threshold; lower is more sensitive.",
      min = "1")
  double motion_threshold() default 25;

  @AttributeDefinition(
      name = "Motion minimum area",
      description = "Least share of the frame a region of change must cover to count as motion.",
      min = "0",
      max = "1")
  double motion_min_area() default 0.0004;

  @AttributeDefinition(
      name = "Confirm interval (ms)",
      description = "Without motion, live tracks are confirmed by a detector run this often.",
      min = "1")
  long confirm_interval_ms() default 1000;

  @AttributeDefinition(
      name = "Tracked motion interval (ms)",
      description =
          "When all motion lies on tracks already followed, the detector runs at most this often (tracks coast on their prediction between runs); 0 for every frame.",
      min = "0")
  long tracked_motion_interval_ms() default 200;

  @AttributeDefinition(
      name = "Stationary check interval (ms)",
      description = "Stationary objects alone are re-checked this often.",
      min = "1")
  long stationary_check_interval_ms() default 5000;

  @AttributeDefinition(
      name = "Crop detection",
      description =
          "Run the detector on a crop at model resolution around small motion, so that distant objects are seen. "
              + "Pays where objects are small and far; where they are large (vtest), whole-frame runs track better.")
  boolean crop_detection() default false;

  @AttributeDefinition(
      name = "Crop size (px)",
      description = "Side of the square crop.",
      min = "64")
  int crop_size_px() default 320;

  @AttributeDefinition(
      name = "Crop motion extent",
      description =
          "Largest extent of the motion, as a share of the frame height, that is detected in a crop.",
      min = "0",
      max = "1")
  double crop_max_motion() default 0.2;

  @AttributeDefinition(
      name = "Track high score",
      description =
          "Detections at or above are associated first (ByteTrack); lower ones only keep tracks alive.",
      min = "0",
      max = "1")
  float track_high_score() default 0.5f;

  @AttributeDefinition(
      name = "New track score",
      description = "Least score that starts a track.",
      min = "0",
      max = "1")
  float track_new_score() default 0.5f;

  @AttributeDefinition(
      name = "Track confirmation hits",
      description = "Detector runs a track must be matched on to be confirmed.",
      min = "1")
  int track_min_hits() default 3;

  @AttributeDefinition(
      name = "Lost track lifetime (ms)",
      description = "How long a lost moving track keeps its identity (occlusions).",
      min = "0")
  long max_lost_ms() default 2000;

  @AttributeDefinition(
      name = "Stationary after (s)",
      description =
          "An object still for this long becomes stationary: no new events, checked at a low rate.",
      min = "1")
  double stationary_after_s() default 10;

  @AttributeDefinition(
      name = "Stationary lifetime (s)",
      description =
          "How long a lost stationary object keeps its identity (flicker, occlusion by passers-by).",
      min = "0")
  double stationary_max_lost_s() default 300;

  @AttributeDefinition(
      name = "Stationary radius",
      description = "How far a still object's centre may wander, as a share of its height.",
      min = "0")
  float stationary_radius() default 0.25f;

  @AttributeDefinition(
      name = "Minimum travel",
      description =
          "How far an object must move, as a share of its height, before it raises events (unless the motion gate sees it move).",
      min = "0")
  float min_travel() default 0.5f;

  @AttributeDefinition(
      name = "Incidents",
      description =
          "Group events that belong together into incidents (open, folded updates, close).")
  boolean incidents() default true;

  @AttributeDefinition(
      name = "Incident quiet time (s)",
      description = "An incident closes when nothing has joined it for this long.",
      min = "1")
  double incident_quiet_s() default 30;

  @AttributeDefinition(
      name = "Incident longest (s)",
      description = "An incident closes after this long even while events keep joining.",
      min = "1")
  double incident_max_s() default 600;

  @AttributeDefinition(
      name = "Load shedding",
      description = "Lower the detection rate on its own when the device cannot keep up.")
  boolean load_shedding() default true;

  @AttributeDefinition(
      name = "CPU budget",
      description =
          "Share of a camera's frame time its analytics and detector may take before the detection rate is lowered.",
      min = "0.05",
      max = "1")
  double cpu_budget() default 0.8;

  @AttributeDefinition(
      name = "Longest detection interval (ms)",
      description = "Load shedding never spaces detector runs further apart than this.",
      min = "100")
  long max_detect_interval_ms() default 2000;

  @AttributeDefinition(
      name = "JPEG crop",
      description = "Attach a small JPEG crop of the object to each event.")
  boolean jpeg_crop() default false;

  @AttributeDefinition(
      name = "JPEG crop size limit (bytes)",
      description =
          "Crops are shrunk until they fit; one that cannot is left out (JPEG headers alone take about 600 bytes).",
      min = "1024")
  int jpeg_crop_max_bytes() default 16_384;
}
