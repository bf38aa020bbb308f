// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.util.Map;
import org.watchpost.api.health.CameraState;

/**
 * One check of one state on one measurement.
 *
 * @param state the state checked
 * @param holds whether its condition holds now
 * @param reason what was measured against what, for an operator
 * @param metrics the numbers behind it
 */
record Verdict(CameraState state, boolean holds, String reason, Map<String, Double> metrics) {
  Verdict {
    metrics = Map.copyOf(metrics);
  }
}
