// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.codec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two payload profiles of an event and how a receiver reads either. {@code verbose} names every
 * metric in full ({@code type rule class track conf first_seen box} and the attributes by their own
 * names) and sends values as text; {@code compact}, the default, uses the one-letter names of this
 * table and integer codes for values from a closed set, because on a thin link the names and
 * repeated values are most of an event's bytes (issue 17: a line crossing was 152 B with its topic
 * alias, 66 of them names and the type's text).
 *
 * <p>Compact, per metric: {@code t} type (int32 code of {@link #TYPES}, or the name as a string for
 * a type outside the table), {@code r} rule, {@code c} class, {@code k} track, {@code p} confidence
 * in percent (int32, 0-100), {@code f} first seen as ms before the payload timestamp (int64),
 * {@code b} box as permille {@code x,y,w,h}, {@code d} direction (int32: 1 in, 2 out), and {@link
 * #ATTRIBUTES} for the other known attributes ({@code cause} as a type code). {@code seq} is the
 * same in both. {@link #verbose} turns either profile into the verbose one, so a receiver keys on
 * one set of names.
 */
public final class EventMetrics {
  private EventMetrics() {}

  /** Event types in code order: code = index + 1. Append only; a code never changes meaning. */
  public static final List<String> TYPES =
      List.of(
          "intrusion",
          "line_crossing",
          "loitering",
          "crowd",
          "zone_count",
          "incident_open",
          "incident_close",
          "armed",
          "disarmed",
          "snapshot");

  /** Directions of a line crossing in code order: code = index + 1. */
  public static final List<String> DIRECTIONS = List.of("in", "out");

  /** Attribute names and their compact names (besides {@code direction}). */
  public static final Map<String, String> ATTRIBUTES =
      Map.of(
          "incident_id",
          "i",
          "cause",
          "u",
          "events",
          "n",
          "tracks",
          "m",
          "rules",
          "rs",
          "types",
          "ts",
          "duration_s",
          "s",
          "requested_by",
          "by",
          "changed",
          "ch");

  /** Compact names of the fixed metrics, verbose to compact. */
  public static final Map<String, String> FIXED =
      Map.of(
          "type",
          "t",
          "rule",
          "r",
          "class",
          "c",
          "track",
          "k",
          "conf",
          "p",
          "first_seen",
          "f",
          "box",
          "b",
          "direction",
          "d");

  private static final Map<String, String> TO_VERBOSE = new java.util.HashMap<>();

  static {
    FIXED.forEach((v, c) -> TO_VERBOSE.put(c, v));
    ATTRIBUTES.forEach((v, c) -> TO_VERBOSE.put(c, v));
  }

  /** The code of a type, 0 for one outside the table. */
  public static int typeCode(String type) {
    return TYPES.indexOf(type) + 1;
  }

  /** Whether these are compact metrics: only a compact event has {@code t}. */
  public static boolean isCompact(Map<String, Object> metrics) {
    return metrics.containsKey("t");
  }

  /**
   * An event's metrics in the verbose profile, whichever profile it came in; {@code timestamp} is
   * the payload timestamp (for {@code first_seen}). Unknown names pass through; a code outside a
   * table becomes its number as text, so nothing is lost.
   */
  public static Map<String, Object> verbose(Map<String, Object> metrics, Long timestamp) {
    if (!isCompact(metrics)) {
      return metrics;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    metrics.forEach(
        (name, value) -> {
          String full = TO_VERBOSE.getOrDefault(name, name);
          Object v = value;
          switch (name) {
            case "t", "u" -> v = decode(TYPES, value);
            case "d" -> v = decode(DIRECTIONS, value);
            case "p" -> v = value instanceof Integer i ? i / 100f : value;
            case "f" -> v = value instanceof Long l && timestamp != null ? timestamp - l : value;
            case "b" -> v = value instanceof String s ? permilleToBox(s) : value;
            default -> {}
          }
          out.putIfAbsent(full, v);
        });
    return out;
  }

  /**
   * The payload with its metrics in the verbose profile (itself when it is not a compact event).
   */
  public static KuraPayload verbose(KuraPayload payload) {
    return isCompact(payload.metrics())
        ? new KuraPayload(
            payload.timestamp(),
            payload.position(),
            verbose(payload.metrics(), payload.timestamp()),
            payload.body())
        : payload;
  }

  private static Object decode(List<String> table, Object value) {
    if (value instanceof Integer code) {
      return code >= 1 && code <= table.size() ? table.get(code - 1) : String.valueOf(code);
    }
    return value;
  }

  private static String permilleToBox(String s) {
    String[] parts = s.split(",", 5);
    if (parts.length != 4) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 4; i++) {
      try {
        b.append(i == 0 ? "" : ",")
            .append(
                String.format(java.util.Locale.ROOT, "%.3f", Integer.parseInt(parts[i]) / 1000.0));
      } catch (NumberFormatException e) {
        return s;
      }
    }
    return b.toString();
  }
}
