// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.health;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Device metrics that another bundle owns, read by device health for its periodic telemetry: the
 * detector publishes the active model and its latency, each camera's pipeline its skipped frames,
 * the uplink its outbox. Register one as a service; device health picks providers up and drops them
 * as they come and go.
 *
 * <p>The names below are the shared vocabulary; a provider may add its own names. A metric that is
 * not known right now is left out, not reported as zero. When several providers publish the same
 * name, device health adds their numbers (the skipped frames of every camera), so a name more than
 * one provider publishes must be a count.
 */
@ConsumerType
public interface MetricsProvider {
  /** Median detector time per call over the recent past, all cameras, milliseconds. */
  String INFERENCE_LATENCY_P50_MS = "inference_latency_p50_ms";

  /** 95th percentile detector time per call over the recent past, all cameras, milliseconds. */
  String INFERENCE_LATENCY_P95_MS = "inference_latency_p95_ms";

  /**
   * Frames replaced before the pipeline took them (newest-wins hand-off), all cameras, since start.
   */
  String FRAMES_SKIPPED = "frames_skipped";

  /** Times a camera's pipeline failed and was restarted, all cameras, since start (a count). */
  String PIPELINE_FAILURES = "pipeline_failures";

  /** Whether the uplink holds a connection to its broker (Boolean). */
  String UPLINK_CONNECTED = "uplink_connected";

  /** Messages waiting in the uplink's outbox. */
  String OUTBOX_DEPTH = "outbox_depth";

  /** Messages the outbox discarded (full, expired) since start. */
  String OUTBOX_DROPPED = "outbox_dropped";

  /**
   * The active model's name, version and SHA-256, as in {@link org.watchpost.api.detect.ModelInfo}.
   */
  String MODEL_NAME = "model_name";

  String MODEL_VERSION = "model_version";
  String MODEL_SHA256 = "model_sha256";

  /**
   * The current values, name to Number, String or Boolean. Called from the device health thread
   * about once a report interval: it must be quick, must not block and must be safe to call from
   * any thread.
   */
  Map<String, Object> metrics();
}
