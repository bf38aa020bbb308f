package org.watchpost.kura.internal;

import java.util.Date;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.kura.message.KuraPayload;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.NormalizedBox;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;

/**
 * What the pipeline reports, as standard KuraPayloads with the metric names of the standalone uplink (its
 * PayloadMapper), so that a console reads both alike. One payload per message: a stock Kapua reads them.
 */
final class KuraPayloads {
  private KuraPayloads() {}

  static KuraPayload event(Event event, boolean includeBox, int maxBodyBytes) {
    KuraPayload p = payload(event.eventTimeMillis());
    p.addMetric("type", event.type());
    p.addMetric("rule", event.ruleId());
    if (!event.className().isEmpty()) {
      p.addMetric("class", event.className());
    }
    if (event.trackId() >= 0) {
      p.addMetric("track", event.trackId());
    }
    p.addMetric("conf", event.confidence());
    if (includeBox) {
      NormalizedBox box = event.box();
      if (box != null) {
        p.addMetric("box", String.format(Locale.ROOT, "%.3f,%.3f,%.3f,%.3f", box.x(), box.y(), box.width(), box.height()));
      }
      p.addMetric("first_seen", event.firstSeenMillis());
    }
    event.attributes().forEach((k, v) -> {
      if (p.getMetric(k) == null) {
        p.addMetric(k, v);
      }
    });
    byte[] crop = event.jpegCrop();
    if (crop != null && crop.length <= maxBodyBytes) {
      p.setBody(crop);
    }
    return p;
  }

  static KuraPayload counts(CountSummary counts) {
    KuraPayload p = payload(counts.toMillis());
    p.addMetric("rule", counts.ruleId());
    p.addMetric("from", counts.fromMillis());
    new TreeMap<>(counts.counts()).forEach((k, v) -> {
      if (p.getMetric(k) == null) {
        p.addMetric(k, v);
      }
    });
    return p;
  }

  static KuraPayload report(HealthReport report, Map<String, Object> extra) {
    KuraPayload p = payload(report.timeMillis());
    new TreeMap<>(report.metrics()).forEach((k, v) -> p.addMetric(k, metricValue(v)));
    extra.forEach((k, v) -> {
      if (p.getMetric(k) == null) {
        p.addMetric(k, metricValue(v));
      }
    });
    return p;
  }

  static KuraPayload alarm(HealthAlarm alarm) {
    KuraPayload p = payload(alarm.timeMillis());
    p.addMetric("state", alarm.state().name());
    p.addMetric("raised", alarm.raised());
    p.addMetric("reason", alarm.reason());
    p.addMetric("stream_ms", alarm.streamMillis());
    new TreeMap<>(alarm.metrics()).forEach((k, v) -> {
      if (p.getMetric(k) == null) {
        p.addMetric(k, v);
      }
    });
    return p;
  }

  private static KuraPayload payload(long timeMillis) {
    KuraPayload p = new KuraPayload();
    p.setTimestamp(new Date(timeMillis));
    return p;
  }

  /** Kura carries seven value types; other numbers travel as doubles, anything else as its text. */
  static Object metricValue(Object value) {
    if (value instanceof String || value instanceof Double || value instanceof Float || value instanceof Long
        || value instanceof Integer || value instanceof Boolean || value instanceof byte[]) {
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
}
