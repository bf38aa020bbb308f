// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.health;

import java.util.Map;

/**
 * A camera state raised or cleared.
 *
 * @param cameraId the camera
 * @param state the state raised or cleared
 * @param raised true when raised, false when cleared
 * @param reason a sentence for an operator
 * @param metrics the measurements behind the decision
 * @param timeMillis capture time (epoch ms) of the frame that decided it
 * @param streamMillis position in the stream (for a clip, its time), ms
 */
public record HealthAlarm(
    String cameraId,
    CameraState state,
    boolean raised,
    String reason,
    Map<String, Double> metrics,
    long timeMillis,
    long streamMillis) {
  public HealthAlarm {
    metrics = Map.copyOf(metrics);
  }
}
