// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import java.nio.file.Path;
import java.util.List;
import org.watchpost.api.host.HostFramework;

/**
 * A checked {@link InferenceConfig}: malformed configuration is rejected here, naming the property.
 *
 * @param manifest path of the model manifest
 * @param classes label names to keep
 * @param scoreThreshold lowest score kept
 * @param nmsThreshold IoU above which the weaker box of one class is suppressed
 * @param intraOpThreads ONNX Runtime threads
 * @param warmupRuns inferences at load
 * @param maxDetections most detections kept per frame
 * @param schedulerSlots inferences at once across cameras (0: cores / intra-op threads)
 */
public record DetectorSettings(
    Path manifest,
    List<String> classes,
    float scoreThreshold,
    float nmsThreshold,
    int intraOpThreads,
    int warmupRuns,
    int maxDetections,
    int schedulerSlots) {

  public DetectorSettings {
    classes = List.copyOf(classes);
    require(manifest != null, "model_manifest", "must be set");
    require(!classes.isEmpty(), "classes", "must name at least one class");
    require(
        scoreThreshold > 0 && scoreThreshold <= 1,
        "score_threshold",
        "must be in (0, 1], was " + scoreThreshold);
    require(
        nmsThreshold > 0 && nmsThreshold <= 1,
        "nms_threshold",
        "must be in (0, 1], was " + nmsThreshold);
    require(
        intraOpThreads >= 1 && intraOpThreads <= 64,
        "intra_op_threads",
        "must be 1..64, was " + intraOpThreads);
    require(warmupRuns >= 0 && warmupRuns <= 20, "warmup_runs", "must be 0..20, was " + warmupRuns);
    require(
        maxDetections >= 1 && maxDetections <= 1000,
        "max_detections",
        "must be 1..1000, was " + maxDetections);
    require(
        schedulerSlots >= 0 && schedulerSlots <= 64,
        "scheduler_slots",
        "must be 0..64, was " + schedulerSlots);
  }

  /**
   * The concurrent inferences the scheduler allows: configured, or as many intra-op thread groups
   * as fit the cores.
   */
  public int effectiveSlots() {
    return schedulerSlots > 0
        ? schedulerSlots
        : Math.max(1, Runtime.getRuntime().availableProcessors() / intraOpThreads);
  }

  public static DetectorSettings from(InferenceConfig config) {
    return from(config, null);
  }

  /**
   * @param kuraData Kura's data directory, under which a relative manifest path goes; null outside
   *     Kura
   */
  public static DetectorSettings from(InferenceConfig config, String kuraData) {
    String manifest = config.model_manifest();
    require(manifest != null && !manifest.isBlank(), "model_manifest", "must be set");
    return new DetectorSettings(
        HostFramework.resolve(kuraData, manifest),
        List.of(config.classes()),
        config.score_threshold(),
        config.nms_threshold(),
        config.intra_op_threads(),
        config.warmup_runs(),
        config.max_detections(),
        config.scheduler_slots());
  }

  public DetectorSettings withManifest(Path other) {
    return new DetectorSettings(
        other,
        classes,
        scoreThreshold,
        nmsThreshold,
        intraOpThreads,
        warmupRuns,
        maxDetections,
        schedulerSlots);
  }

  public DetectorSettings withThreads(int threads) {
    return new DetectorSettings(
        manifest,
        classes,
        scoreThreshold,
        nmsThreshold,
        threads,
        warmupRuns,
        maxDetections,
        schedulerSlots);
  }

  private static void require(boolean condition, String property, String problem) {
    if (!condition) {
      throw new IllegalArgumentException(
          "invalid detector configuration "
              + InferenceConfig.PID
              + ": "
              + property
              + " "
              + problem);
    }
  }
}
