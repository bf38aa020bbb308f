// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

/**
 * Whether a camera's pipeline still goes round its loop, for the systemd watchdog. Registered by
 * each camera.
 */
interface PipelineProgress {

  String cameraId();

  /**
   * True when the pipeline has been stuck for longer than {@code limitNanos}, or died without an
   * orderly end.
   */
  boolean wedged(long nowNanos, long limitNanos);
}
