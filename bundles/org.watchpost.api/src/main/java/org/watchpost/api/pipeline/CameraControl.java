// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What an operator at the site may change in a camera's analytics (the OPC UA methods ResetCounters
 * and SetArmed). Nothing else drives the pipeline from outside. Safe to call from any thread.
 */
@ProviderType
public interface CameraControl {

  /** Whether the camera's rules raise events; a camera is armed until it is disarmed. */
  boolean armed(String cameraId);

  /**
   * Arms or disarms the camera's rules. Disarmed rules still count (lines, zones) but raise no
   * events. The setting is kept in memory only: a restart arms every camera again, the safe side
   * for intrusion rules.
   */
  void setArmed(String cameraId, boolean armed);

  /**
   * Arms or disarms as {@link #setArmed(String, boolean)}, and says who asked: an implementation
   * that changes the setting sends an {@code armed} or {@code disarmed} event of alarm priority
   * upstream, so that switching intrusion rules off is never silent.
   *
   * @param requestedBy who asked and through what, for the operator upstream, e.g. {@code opcua
   *     user 'op1' from 10.0.0.7}; never a secret
   */
  default void setArmed(String cameraId, boolean armed, String requestedBy) {
    setArmed(cameraId, armed);
  }

  /**
   * Zeroes the counts of the camera's rules: their totals and the count interval in progress. The
   * reset happens on the camera's pipeline thread before it evaluates its next frame, and the stage
   * completes there, before any count summary that follows the reset is published; it completes at
   * once when the camera runs no analytics. So a sink that zeroes its own sums on completion never
   * mixes counts from before the reset with counts from after it.
   */
  CompletionStage<Void> resetCounters(String cameraId);
}
