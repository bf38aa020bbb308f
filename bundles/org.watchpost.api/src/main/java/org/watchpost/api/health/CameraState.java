// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.health;

/** Why a camera is not useful, as judged from its own frames and source. */
public enum CameraState {
  OK,
  NO_SIGNAL,
  FROZEN,
  BLACK,
  OVEREXPOSED,
  BLURRED,
  OBSTRUCTED,
  MOVED,
  LOW_FPS,
  /**
   * The camera's pipeline failed (an unexpected exception or error in a stage) and is being
   * restarted with backoff; cleared when frames flow through it again. Raised by the pipeline, not
   * judged from frames.
   */
  PIPELINE_FAILED
}
