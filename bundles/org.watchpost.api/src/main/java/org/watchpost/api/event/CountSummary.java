// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.event;

import java.util.Map;

/**
 * Counts for one rule (zone or line) over one interval, e.g. {@code person.in=4, car.out=12}.
 *
 * @param cameraId the camera
 * @param ruleId the zone or line
 * @param fromMillis interval start, epoch ms (capture time)
 * @param toMillis interval end, epoch ms (capture time)
 * @param counts key to count; keys are {@code class} or {@code class.direction}
 */
public record CountSummary(
    String cameraId, String ruleId, long fromMillis, long toMillis, Map<String, Long> counts) {
  public CountSummary {
    counts = Map.copyOf(counts);
  }
}
