// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * One analytics rule; a factory configuration per rule, e.g. {@code
 * org.watchpost.analytics.rule~main-line}. Coordinates are normalised to the frame (0..1, top-left
 * origin). Zones and lines are tested at the bottom centre of an object's box (where it stands).
 */
@ObjectClassDefinition(
    id = RuleConfig.PID,
    name = "Watchpost analytics rule",
    description = "A zone, line, loitering, crowd, counting or motion-mask rule of one camera.")
public @interface RuleConfig {
  String PID = "org.watchpost.analytics.rule";

  @AttributeDefinition(
      name = "Rule id",
      required = false,
      description =
          "Carried by every event and count of the rule; letters, digits, '.', '_' and '-', at most 64. "
              + "Empty: the name of the factory configuration (the part of its PID after '~').")
  String rule_id() default "";

  @AttributeDefinition(
      name = "Camera",
      description = "The camera id the rule applies to, or * for every camera.")
  String camera_id() default "*";

  @AttributeDefinition(
      name = "Type",
      options = {
        @Option(value = "zone_intrusion", label = "Zone intrusion"),
        @Option(value = "line_crossing", label = "Line crossing"),
        @Option(value = "loitering", label = "Loitering"),
        @Option(value = "crowd", label = "Crowd"),
        @Option(value = "zone_count", label = "Zone counting"),
        @Option(value = "motion_mask", label = "Motion mask")
      })
  String type() default "zone_intrusion";

  @AttributeDefinition(
      name = "Points",
      description =
          "x,y pairs separated by spaces, normalised 0..1: 3 to 64 points of a simple polygon for zone "
              + "rules, exactly 2 for a line, e.g. '0.1,0.2 0.9,0.2 0.9,0.8'.",
      required = false)
  String points() default "";

  @AttributeDefinition(
      name = "Classes",
      description =
          "Object classes the rule applies to: person, bicycle, car, motorcycle, bus, truck, or vehicle "
              + "(car, motorcycle, bus and truck).")
  String[] classes() default {"person"};

  @AttributeDefinition(
      name = "Armed schedule",
      description =
          "'always', or windows '[days] HH:MM-HH:MM' separated by ';', e.g. 'Mon-Fri 22:00-06:00; Sat,Sun 00:00-24:00'. "
              + "A window past midnight belongs to the day it starts on.")
  String schedule() default "always";

  @AttributeDefinition(
      name = "Time zone",
      description =
          "Zone of the schedule's clock times (e.g. Europe/Berlin); empty for the device's.",
      required = false)
  String time_zone() default "";

  @AttributeDefinition(
      name = "Dwell (s)",
      description =
          "Loitering: time in the zone before the event. Crowd: time the crowd must last.",
      min = "0")
  double dwell_s() default 30;

  @AttributeDefinition(
      name = "Crowd size",
      description = "Crowd: objects in the zone at once that make a crowd.",
      min = "1")
  int min_count() default 5;

  @AttributeDefinition(
      name = "Cooldown (s)",
      description =
          "Least time before the rule raises another event for the same object (crowd: another crowd event).",
      min = "0")
  double cooldown_s() default 60;

  @AttributeDefinition(
      name = "Direction",
      description =
          "Line crossings that raise events (all are counted). "
              + "in: from the left-hand side to the right-hand side, facing from the first point to the second.",
      options = {
        @Option(value = "both", label = "Both"),
        @Option(value = "in", label = "In"),
        @Option(value = "out", label = "Out"),
        @Option(value = "none", label = "None (count only)")
      })
  String direction() default "both";

  @AttributeDefinition(
      name = "Count interval (s)",
      description =
          "Length of the count summaries (line: in/out per class; zone: entries and peak per class); 0 for none.",
      min = "0",
      max = "86400")
  int count_interval_s() default 60;

  @AttributeDefinition(
      name = "Priority",
      description =
          "Upstream priority of the rule's events: ALARM, EVENT, COUNTS, HEALTH, BULK; empty for the type's default (intrusion ALARM, others EVENT).",
      required = false)
  String priority() default "";
}
