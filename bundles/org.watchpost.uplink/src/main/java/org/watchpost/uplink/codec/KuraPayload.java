// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.codec;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One KuraPayload: a capture timestamp, an optional position, named typed metrics and an optional
 * body.
 *
 * <p>Metric values are {@link Double}, {@link Float}, {@link Long}, {@link Integer}, {@link
 * Boolean}, {@link String} or {@code byte[]}: the seven value types of the Kura schema. Metrics
 * keep their order, so the same payload always encodes to the same bytes.
 *
 * @param timestamp epoch ms of what the payload reports, or null
 * @param position the device position, or null
 * @param metrics name to value, in order; names are unique
 * @param body opaque bytes, or null
 */
public record KuraPayload(
    Long timestamp, KuraPosition position, Map<String, Object> metrics, byte[] body) {

  public KuraPayload {
    Objects.requireNonNull(metrics, "metrics");
    LinkedHashMap<String, Object> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Object> metric : metrics.entrySet()) {
      String name = Objects.requireNonNull(metric.getKey(), "metric name");
      Object value = Objects.requireNonNull(metric.getValue(), () -> "value of metric " + name);
      if (!isMetricValue(value)) {
        throw new IllegalArgumentException(
            "metric "
                + name
                + " has a value of type "
                + value.getClass().getName()
                + "; KuraPayload carries Double, Float, Long, Integer, Boolean, String or byte[]");
      }
      copy.put(name, value);
    }
    metrics = Collections.unmodifiableMap(copy);
  }

  public static boolean isMetricValue(Object value) {
    return value instanceof Double
        || value instanceof Float
        || value instanceof Long
        || value instanceof Integer
        || value instanceof Boolean
        || value instanceof String
        || value instanceof byte[];
  }

  /**
   * A value as a metric can carry it: the seven types as they are, other whole numbers as int32,
   * other numbers as doubles, anything else as its text. The one mapping for every sender of
   * KuraPayloads (the uplink, the Kura bundle's replies and notifications).
   */
  public static Object metricValue(Object value) {
    if (isMetricValue(value)) {
      return value;
    }
    if (value instanceof Short || value instanceof Byte) {
      return ((Number) value).intValue();
    }
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    return String.valueOf(value);
  }

  /** The metric's value, or null when absent. */
  public Object metric(String name) {
    return metrics.get(name);
  }

  /** A whole-number metric (int64 or int32) as a long, or null when absent or of another type. */
  public Long longMetric(String name) {
    Object value = metrics.get(name);
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof Integer i) {
      return i.longValue();
    }
    return null;
  }

  public String stringMetric(String name) {
    return metrics.get(name) instanceof String s ? s : null;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof KuraPayload that)) {
      return false;
    }
    if (!Objects.equals(timestamp, that.timestamp)
        || !Objects.equals(position, that.position)
        || !Arrays.equals(body, that.body)
        || metrics.size() != that.metrics.size()) {
      return false;
    }
    for (Map.Entry<String, Object> metric : metrics.entrySet()) {
      Object theirs = that.metrics.get(metric.getKey());
      boolean same =
          metric.getValue() instanceof byte[] mine
              ? theirs instanceof byte[] b && Arrays.equals(mine, b)
              : metric.getValue().equals(theirs);
      if (!same) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Objects.hash(timestamp, position, metrics.keySet(), Arrays.hashCode(body));
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("KuraPayload[");
    if (timestamp != null) {
      text.append("t=").append(timestamp).append(' ');
    }
    metrics.forEach(
        (name, value) ->
            text.append(name)
                .append('=')
                .append(value instanceof byte[] b ? b.length + "B" : value)
                .append(' '));
    if (body != null) {
      text.append("body=").append(body.length).append('B');
    }
    return text.toString().strip() + "]";
  }
}
