// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import java.util.List;
import java.util.Objects;

/**
 * The geometry of one checked rule, for drawing it over the camera's image.
 *
 * @param ruleId the rule's id
 * @param type its type as configured ({@code zone_intrusion}, {@code line_crossing}, {@code
 *     motion_mask}...)
 * @param points its points, normalised 0..1 with a top-left origin, as x, y pairs: a polygon, or
 *     the two ends of a line
 * @param direction for a line, the crossings that raise events ({@code both}, {@code in}, {@code
 *     out}, {@code none}); "in" goes from the left-hand side to the right-hand side, facing from
 *     the first point to the second
 */
public record RuleShape(String ruleId, String type, List<double[]> points, String direction) {
  public RuleShape {
    Objects.requireNonNull(ruleId, "ruleId");
    Objects.requireNonNull(type, "type");
    points = List.copyOf(points);
  }
}
