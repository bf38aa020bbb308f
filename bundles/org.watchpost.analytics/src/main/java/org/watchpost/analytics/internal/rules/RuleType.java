// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.rules;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.watchpost.api.event.Priority;

/** What a rule watches for; the configuration names them in lower case. */
public enum RuleType {
  /** An object of a watched class enters the zone while the schedule arms it. */
  ZONE_INTRUSION("zone_intrusion", "intrusion", Priority.ALARM, true),
  /** An object crosses the line; counts in and out per class. */
  LINE_CROSSING("line_crossing", "line_crossing", Priority.EVENT, false),
  /** An object stays in the zone longer than the dwell time. */
  LOITERING("loitering", "loitering", Priority.EVENT, true),
  /** At least the minimum number of objects stay in the zone for the dwell time. */
  CROWD("crowd", "crowd", Priority.EVENT, true),
  /** Counts only: objects entering the zone and its peak occupancy per interval, no events. */
  ZONE_COUNT("zone_count", "zone_count", Priority.COUNTS, true),
  /**
   * Motion inside the polygon is ignored by the motion gate (trees, flags, a busy road outside the
   * site).
   */
  MOTION_MASK("motion_mask", "motion_mask", Priority.BULK, true);

  private final String configName;
  private final String eventType;
  private final Priority defaultPriority;
  private final boolean zone;

  RuleType(String configName, String eventType, Priority defaultPriority, boolean zone) {
    this.configName = configName;
    this.eventType = eventType;
    this.defaultPriority = defaultPriority;
    this.zone = zone;
  }

  public String configName() {
    return configName;
  }

  public String eventType() {
    return eventType;
  }

  public Priority defaultPriority() {
    return defaultPriority;
  }

  /** A polygon rule (else a line). */
  public boolean zone() {
    return zone;
  }

  public static RuleType parse(String name) {
    for (RuleType t : values()) {
      if (t.configName.equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unknown type '"
            + name
            + "', expected one of "
            + Arrays.stream(values()).map(RuleType::configName).collect(Collectors.joining(", ")));
  }
}
