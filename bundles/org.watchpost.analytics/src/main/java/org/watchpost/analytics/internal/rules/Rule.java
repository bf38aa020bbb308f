// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.rules;

import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import org.watchpost.api.event.Priority;

/**
 * One checked rule of one camera (or of every camera when {@code cameraId} is {@code *}).
 *
 * @param id the rule id events and counts carry
 * @param cameraId the camera it applies to, or {@code *}
 * @param type what it watches for
 * @param zone the polygon (zone rules), else null
 * @param line the two points of the line (line rules), else null
 * @param classes the object classes it applies to
 * @param schedule when it is armed
 * @param timeZone the zone the schedule's clock times are read in
 * @param dwellMillis loitering and crowd: how long the condition must hold
 * @param minCount crowd: how many objects make a crowd
 * @param cooldownMillis the least time between two events of this rule for one track (for crowd,
 *     between two crowd events)
 * @param direction line crossings that raise events
 * @param countIntervalMillis length of the count summary intervals, 0 for none
 * @param priority upstream priority of its events
 */
public record Rule(
    String id,
    String cameraId,
    RuleType type,
    Polygon zone,
    List<Point> line,
    Set<String> classes,
    Schedule schedule,
    ZoneId timeZone,
    long dwellMillis,
    int minCount,
    long cooldownMillis,
    Direction direction,
    long countIntervalMillis,
    Priority priority) {

  public Rule {
    classes = Set.copyOf(classes);
    line = line == null ? null : List.copyOf(line);
  }

  public boolean appliesTo(String camera) {
    return cameraId.equals("*") || cameraId.equals(camera);
  }
}
