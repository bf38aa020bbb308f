// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.health;

import java.util.Map;

/**
 * Periodic telemetry about the device or one camera. A metric that cannot be read is absent, not
 * zero.
 *
 * @param subject {@code device} or a camera id
 * @param timeMillis when it was taken, epoch ms
 * @param metrics name to value (Number, String or Boolean)
 */
public record HealthReport(String subject, long timeMillis, Map<String, Object> metrics) {
  public HealthReport {
    metrics = Map.copyOf(metrics);
  }
}
