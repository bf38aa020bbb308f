// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.api.pipeline.SummaryContributor;

/** The summary of a finite run, as {@code ./watchpost demo --summary} writes it. */
final class RunSummary {
  private static final Logger LOG = LoggerFactory.getLogger(RunSummary.class);

  private RunSummary() {}

  /**
   * Longest wait for contributors with work in flight (the uplink's outbox) before the summary is
   * taken.
   */
  private static final long SETTLE_MILLIS = 60_000;

  static Map<String, Object> of(CameraPipeline pipeline, List<SummaryContributor> contributors) {
    long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
    for (SummaryContributor contributor : contributors) {
      try {
        contributor.settle(Math.max(0, deadline - System.currentTimeMillis()));
      } catch (RuntimeException e) {
        LOG.error("summary contributor {} failed to settle", contributor.getClass().getName(), e);
      }
    }
    PipelineStats stats = pipeline.stats();
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("camera", pipeline.cameraId());
    summary.put("frames", stats.frames());
    summary.put("skipped_frames", pipeline.skippedFrames());
    summary.put("inferred_frames", stats.inferredFrames());
    double duration = stats.durationSeconds();
    summary.put("duration_s", round(duration, 2));
    summary.put("fps", duration > 0 ? round((stats.frames() - 1) / duration, 2) : 0.0);
    summary.put("detections", stats.detectionsByClass());
    summary.put("max_persons_in_frame", stats.maxPersonsInFrame());
    summary.put("events_published", stats.eventsPublished());
    summary.put("uplink_bytes", 0L);
    summary.put("stage_ms_median", stats.stageMedians());
    ModelInfo model = stats.model();
    Map<String, Object> modelFields = new LinkedHashMap<>();
    modelFields.put("name", model == null ? null : model.name());
    modelFields.put("version", model == null ? null : model.version());
    modelFields.put("sha256", model == null ? null : model.sha256());
    summary.put("model", modelFields);
    ProcessMemory.peakRssKilobytes()
        .ifPresent(kb -> summary.put("peak_rss_mb", round(kb / 1024.0, 1)));
    for (SummaryContributor contributor : contributors) {
      try {
        summary.putAll(contributor.summary());
      } catch (RuntimeException e) {
        LOG.error("summary contributor {} failed", contributor.getClass().getName(), e);
      }
    }
    return summary;
  }

  private static double round(double value, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }
}
