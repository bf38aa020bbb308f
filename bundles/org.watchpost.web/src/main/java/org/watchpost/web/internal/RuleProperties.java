// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.Hashtable;
import java.util.List;

/**
 * A rule as the page sends it, turned into configuration properties named as the analytics Metatype
 * documents them ({@code org.watchpost.analytics.rule}). Only the types are checked here; what the
 * values mean is checked by the analytics themselves ({@link
 * org.watchpost.api.pipeline.RuleChecker}).
 */
final class RuleProperties {
  static final List<String> STRINGS =
      List.of(
          "rule.id",
          "camera.id",
          "type",
          "points",
          "schedule",
          "time.zone",
          "direction",
          "priority");
  static final List<String> DOUBLES = List.of("dwell.s", "cooldown.s");
  static final List<String> INTEGERS = List.of("min.count", "count.interval.s");
  static final List<String> NAMES =
      List.of(
          "rule.id",
          "camera.id",
          "type",
          "points",
          "classes",
          "schedule",
          "time.zone",
          "dwell.s",
          "min.count",
          "cooldown.s",
          "direction",
          "count.interval.s",
          "priority");
  static final int MAX_TEXT = 4096;
  static final int MAX_CLASSES = 16;

  private RuleProperties() {}

  static Hashtable<String, Object> from(JsonObject body) {
    JsonElement p = body.get("properties");
    if (p == null || !p.isJsonObject()) {
      throw new PageServlet.BadRequest("properties must be an object");
    }
    JsonObject in = p.getAsJsonObject();
    Hashtable<String, Object> out = new Hashtable<>();
    for (String key : in.keySet()) {
      if (!NAMES.contains(key)) {
        throw new PageServlet.BadRequest(
            "unknown rule property '" + (key.length() > 40 ? key.substring(0, 40) : key) + "'");
      }
    }
    for (String key : STRINGS) {
      String v = PageServlet.string(in, key, MAX_TEXT);
      if (v != null) {
        out.put(key, v);
      }
    }
    for (String key : DOUBLES) {
      Double v = number(in, key);
      if (v != null) {
        out.put(key, v);
      }
    }
    for (String key : INTEGERS) {
      Double v = number(in, key);
      if (v != null) {
        if (v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
          throw new PageServlet.BadRequest(key + " must be a whole number");
        }
        out.put(key, v.intValue());
      }
    }
    JsonElement classes = in.get("classes");
    if (classes != null) {
      if (!classes.isJsonArray() || classes.getAsJsonArray().size() > MAX_CLASSES) {
        throw new PageServlet.BadRequest(
            "classes must be a list of at most " + MAX_CLASSES + " names");
      }
      JsonArray array = classes.getAsJsonArray();
      String[] names = new String[array.size()];
      for (int i = 0; i < names.length; i++) {
        JsonElement e = array.get(i);
        if (!e.isJsonPrimitive() || e.getAsString().length() > 32) {
          throw new PageServlet.BadRequest("classes must be names");
        }
        names[i] = e.getAsString();
      }
      out.put("classes", names);
    }
    return out;
  }

  private static Double number(JsonObject in, String key) {
    JsonElement e = in.get(key);
    if (e == null || e.isJsonNull()) {
      return null;
    }
    try {
      double v =
          e.getAsJsonPrimitive().isNumber()
              ? e.getAsDouble()
              : Double.parseDouble(e.getAsString().trim());
      if (!Double.isFinite(v)) {
        throw new NumberFormatException();
      }
      return v;
    } catch (RuntimeException ex) {
      throw new PageServlet.BadRequest(key + " must be a number");
    }
  }
}
