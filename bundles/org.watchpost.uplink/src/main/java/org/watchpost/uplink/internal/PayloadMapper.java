// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.NormalizedBox;
import org.watchpost.api.event.Priority;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.uplink.codec.EventMetrics;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * Turns what the pipeline reports into Kura messages. Metric names are short because every byte
 * crosses a thin link, and stable because the receiving side keys on them:
 *
 * <ul>
 *   <li>event: in the {@code compact} profile (default) {@code seq t r c k p} and {@code d} or the
 *       attribute's short name, {@code b f} with geometry on, as {@link EventMetrics} documents; in
 *       the {@code verbose} profile {@code seq type rule class track conf} and one string metric
 *       per attribute, {@code box} ("x,y,w,h") and {@code first_seen}; the JPEG crop as body
 *   <li>counts: {@code seq rule from} and one int64 per non-zero count key ({@code person.in}); a
 *       key that is absent was 0 in the interval, and an interval where nothing happened is {@code
 *       seq rule from} alone, so a receiver can still tell "nobody came" from "the device said
 *       nothing"
 *   <li>health report: {@code seq} and the report's metrics as they are
 *   <li>health alarm: {@code seq state raised reason stream_ms} and the measurements
 * </ul>
 *
 * The payload timestamp is always the source time of what is reported.
 */
final class PayloadMapper {
  private final String account;
  private final String clientId;
  private final boolean includeGeometry;
  private final boolean verbose;

  PayloadMapper(String account, String clientId, boolean includeGeometry) {
    this(account, clientId, includeGeometry, false);
  }

  PayloadMapper(String account, String clientId, boolean includeGeometry, boolean verbose) {
    this.account = account;
    this.clientId = clientId;
    this.includeGeometry = includeGeometry;
    this.verbose = verbose;
  }

  Message event(Event event) {
    return new Message(
        KuraTopic.events(account, clientId, event.cameraId()),
        event.priority(),
        event.eventTimeMillis(),
        verbose ? verboseEvent(event) : compactEvent(event),
        event.jpegCrop());
  }

  private Map<String, Object> verboseEvent(Event event) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", event.type());
    m.put("rule", event.ruleId());
    if (!event.className().isEmpty()) {
      m.put("class", event.className());
    }
    if (event.trackId() >= 0) {
      m.put("track", event.trackId());
    }
    m.put("conf", event.confidence());
    if (includeGeometry) {
      NormalizedBox box = event.box();
      if (box != null) {
        m.put(
            "box",
            String.format(
                Locale.ROOT, "%.3f,%.3f,%.3f,%.3f", box.x(), box.y(), box.width(), box.height()));
      }
      m.put("first_seen", event.firstSeenMillis());
    }
    event.attributes().forEach(m::putIfAbsent);
    return m;
  }

  /**
   * The compact profile of {@link EventMetrics}: one-letter names, codes for closed sets, times as
   * deltas.
   */
  private Map<String, Object> compactEvent(Event event) {
    Map<String, Object> m = new LinkedHashMap<>();
    int type = EventMetrics.typeCode(event.type());
    m.put("t", type > 0 ? (Object) type : event.type());
    m.put("r", event.ruleId());
    if (!event.className().isEmpty()) {
      m.put("c", event.className());
    }
    if (event.trackId() >= 0) {
      m.put("k", event.trackId());
    }
    m.put("p", Math.round(Math.max(0f, Math.min(1f, event.confidence())) * 100));
    if (includeGeometry) {
      NormalizedBox box = event.box();
      if (box != null) {
        m.put(
            "b",
            permille(box.x())
                + ","
                + permille(box.y())
                + ","
                + permille(box.width())
                + ","
                + permille(box.height()));
      }
      m.put("f", event.eventTimeMillis() - event.firstSeenMillis());
    }
    event
        .attributes()
        .forEach(
            (name, value) -> {
              if (name.equals("direction")) {
                int code = EventMetrics.DIRECTIONS.indexOf(value) + 1;
                m.putIfAbsent("d", code > 0 ? (Object) code : value);
              } else if (name.equals("cause")) {
                int code = EventMetrics.typeCode(value);
                m.putIfAbsent("u", code > 0 ? (Object) code : value);
              } else {
                m.putIfAbsent(EventMetrics.ATTRIBUTES.getOrDefault(name, name), value);
              }
            });
    return m;
  }

  private static int permille(float v) {
    return Math.round(v * 1000);
  }

  Message counts(CountSummary counts) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rule", counts.ruleId());
    m.put("from", counts.fromMillis());
    counts.counts().entrySet().stream()
        .filter(e -> e.getValue() != 0)
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> m.putIfAbsent(e.getKey(), e.getValue()));
    return new Message(
        KuraTopic.counts(account, clientId, counts.cameraId()),
        Priority.COUNTS,
        counts.toMillis(),
        m,
        null);
  }

  Message folded(
      String cameraId, String ruleId, long fromMillis, long toMillis, Map<String, Long> counts) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rule", ruleId);
    m.put("from", fromMillis);
    m.put("folded", true);
    counts.forEach(
        (k, v) -> {
          if (v != 0) {
            m.putIfAbsent(k, v);
          }
        });
    return new Message(
        KuraTopic.counts(account, clientId, cameraId), Priority.COUNTS, toMillis, m, null);
  }

  Message report(HealthReport report, Map<String, Object> extra) {
    Map<String, Object> m = new LinkedHashMap<>();
    report.metrics().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> m.put(e.getKey(), KuraPayload.metricValue(e.getValue())));
    extra.forEach(m::putIfAbsent);
    return new Message(
        KuraTopic.health(account, clientId, report.subject()),
        Priority.HEALTH,
        report.timeMillis(),
        m,
        null);
  }

  Message alarm(HealthAlarm alarm) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", alarm.state().name());
    m.put("raised", alarm.raised());
    m.put("reason", alarm.reason());
    m.put("stream_ms", alarm.streamMillis());
    alarm.metrics().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> m.putIfAbsent(e.getKey(), e.getValue()));
    return new Message(
        KuraTopic.health(account, clientId, alarm.cameraId()),
        alarm.raised() ? Priority.ALARM : Priority.EVENT,
        alarm.timeMillis(),
        m,
        null);
  }
}
