// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.rules;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.watchpost.api.event.Priority;

/** Checks one rule's configuration and builds the rule, or says which rule is wrong and why. */
public final class RuleParser {
  /** The classes the detector reports by default, and the names rules may use. */
  public static final Set<String> CLASSES =
      Set.of("person", "bicycle", "car", "motorcycle", "bus", "truck");

  /** A shorthand for the motor vehicles. */
  public static final Set<String> VEHICLE = Set.of("car", "motorcycle", "bus", "truck");

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final int MAX_POINTS_TEXT = 4096;
  private static final int MAX_POLYGON_POINTS = 64;
  private static final double MIN_LINE_LENGTH = 1e-3;
  private static final double MIN_AREA = 1e-6;

  /** The raw values of one rule as configured (one per {@code RuleConfig} attribute). */
  public record Input(
      String ruleId,
      String cameraId,
      String type,
      String points,
      String[] classes,
      String schedule,
      String timeZone,
      double dwellS,
      int minCount,
      double cooldownS,
      String direction,
      int countIntervalS,
      String priority) {}

  private RuleParser() {}

  public static Rule parse(Input in) throws InvalidRuleException {
    String id = in.ruleId() == null ? "" : in.ruleId().trim();
    if (!ID.matcher(id).matches()) {
      throw new InvalidRuleException(
          id.length() > 64 ? id.substring(0, 64) + "..." : id,
          "rule_id must be 1 to 64 letters, digits, '.', '_' or '-'");
    }
    try {
      return build(id, in);
    } catch (IllegalArgumentException e) {
      throw new InvalidRuleException(id, e.getMessage());
    }
  }

  private static Rule build(String id, Input in) {
    String camera = in.cameraId() == null ? "" : in.cameraId().trim();
    require(!camera.isEmpty() && camera.length() <= 128, "camera_id must be a camera id or *");
    RuleType type = RuleType.parse(in.type() == null ? "" : in.type().trim());
    List<Point> points = points(in.points());
    Polygon zone = null;
    List<Point> line = null;
    if (type.zone()) {
      require(points.size() >= 3, "a zone needs at least 3 points, has " + points.size());
      require(
          points.size() <= MAX_POLYGON_POINTS,
          "a zone has at most " + MAX_POLYGON_POINTS + " points");
      zone = new Polygon(points);
      int[] crossing = zone.firstCrossing();
      require(
          crossing == null,
          crossing == null
              ? ""
              : "the polygon intersects itself (edges "
                  + (crossing[0] + 1)
                  + " and "
                  + (crossing[1] + 1)
                  + " cross)");
      require(zone.area() >= MIN_AREA, "the polygon has no area");
    } else {
      require(points.size() == 2, "a line needs exactly 2 points, has " + points.size());
      Point a = points.get(0);
      Point b = points.get(1);
      require(
          Math.hypot(b.x() - a.x(), b.y() - a.y()) >= MIN_LINE_LENGTH, "the line has zero length");
      line = points;
    }
    Set<String> classes = classes(in.classes());
    Schedule schedule = Schedule.parse(in.schedule());
    ZoneId timeZone;
    try {
      timeZone =
          in.timeZone() == null || in.timeZone().isBlank()
              ? ZoneId.systemDefault()
              : ZoneId.of(in.timeZone().trim());
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("unknown time_zone '" + in.timeZone() + "'");
    }
    require(
        Double.isFinite(in.dwellS()) && in.dwellS() >= 0 && in.dwellS() <= 86_400,
        "dwell_s must be 0..86400");
    if (type == RuleType.LOITERING || type == RuleType.CROWD) {
      require(in.dwellS() > 0, "dwell_s must be positive for " + type.configName());
    }
    require(in.minCount() >= 1 && in.minCount() <= 10_000, "min_count must be 1..10000");
    require(
        Double.isFinite(in.cooldownS()) && in.cooldownS() >= 0 && in.cooldownS() <= 86_400,
        "cooldown_s must be 0..86400");
    Direction direction;
    try {
      direction =
          Direction.valueOf(
              (in.direction() == null ? "" : in.direction().trim()).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "direction must be both, in, out or none, was '" + in.direction() + "'");
    }
    require(
        in.countIntervalS() >= 0 && in.countIntervalS() <= 86_400,
        "count_interval_s must be 0..86400");
    Priority priority;
    if (in.priority() == null || in.priority().isBlank()) {
      priority = type.defaultPriority();
    } else {
      try {
        priority = Priority.valueOf(in.priority().trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "priority must be ALARM, EVENT, COUNTS, HEALTH or BULK, was '" + in.priority() + "'");
      }
    }
    return new Rule(
        id,
        camera,
        type,
        zone,
        line,
        classes,
        schedule,
        timeZone,
        Math.round(in.dwellS() * 1000),
        in.minCount(),
        Math.round(in.cooldownS() * 1000),
        direction,
        in.countIntervalS() * 1000L,
        priority);
  }

  static List<Point> points(String text) {
    require(text != null && !text.isBlank(), "points are missing");
    require(
        text.length() <= MAX_POINTS_TEXT, "points longer than " + MAX_POINTS_TEXT + " characters");
    List<Point> points = new ArrayList<>();
    for (String pair : text.trim().split("[\\s;]+")) {
      String[] xy = pair.split(",", -1);
      require(xy.length == 2, "point '" + abbreviate(pair) + "' is not x,y");
      double x = coordinate(xy[0], pair);
      double y = coordinate(xy[1], pair);
      points.add(new Point(x, y));
      require(points.size() <= MAX_POLYGON_POINTS, "more than " + MAX_POLYGON_POINTS + " points");
    }
    for (int i = 0; i < points.size(); i++) {
      require(
          !points.get(i).equals(points.get((i + 1) % points.size())) || points.size() == 1,
          "point " + (i + 1) + " repeats the next one");
    }
    return points;
  }

  private static double coordinate(String text, String pair) {
    double v;
    try {
      v = Double.parseDouble(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "point '" + abbreviate(pair) + "' has a coordinate that is not a number");
    }
    require(
        Double.isFinite(v) && v >= 0 && v <= 1,
        "point '" + abbreviate(pair) + "' lies outside 0..1");
    return v;
  }

  private static Set<String> classes(String[] names) {
    require(names != null && names.length > 0, "classes must name at least one class");
    Set<String> classes = new LinkedHashSet<>();
    for (String raw : names) {
      String name = raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT);
      if (name.equals("vehicle")) {
        classes.addAll(VEHICLE);
      } else {
        require(
            CLASSES.contains(name),
            "unknown class '"
                + abbreviate(name)
                + "', expected one of "
                + String.join(", ", new java.util.TreeSet<>(CLASSES))
                + " or vehicle");
        classes.add(name);
      }
    }
    return classes;
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  private static void require(boolean condition, String problem) {
    if (!condition) {
      throw new IllegalArgumentException(problem);
    }
  }
}
