// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.RequestHandler;
import org.watchpost.api.remote.Response;

/**
 * Health reports by exception (issue 17), as Sparkplug's report-by-exception does with a full state
 * on request: per subject, a full report first, then every {@code fullEvery}-th time and after a
 * {@code HEALTH-V1/GET/full} request; between them only the metrics whose value changed, and {@code
 * gone} (the names that disappeared, comma-separated) when any did. A full report carries {@code
 * full=true}, a delta {@code delta=k} (the k-th since the last full one). A receiver keeps the
 * state of the last full report and applies each delta in order (put every metric, remove every
 * name in {@code gone}); a receiver that missed a full report asks for one. Also answers {@code
 * HEALTH-V1/GET/full[/subject]} with the whole current state of the subject ({@code device} when
 * none is named). Synchronized: reports come from several health threads.
 */
final class HealthDeltas implements RequestHandler {
  static final String APP_ID = "HEALTH-V1";
  static final String FULL = "full";
  static final String DELTA = "delta";
  static final String GONE = "gone";

  /** At most this many subjects are remembered; beyond it every report is full (bounded memory). */
  static final int MAX_SUBJECTS = 256;

  private final int fullEvery;
  private final Map<String, State> subjects = new HashMap<>();

  private static final class State {
    Map<String, Object> sent = new TreeMap<>();
    int sinceFull;
    boolean fullRequested;
  }

  /**
   * @param fullEvery a full report every this many reports; 1 (or less) sends every report in full
   */
  HealthDeltas(int fullEvery) {
    this.fullEvery = Math.max(1, fullEvery);
  }

  /**
   * The metrics to send for this report of {@code subject}, whose whole state is {@code metrics}.
   */
  synchronized Map<String, Object> next(String subject, Map<String, Object> metrics) {
    State s = subjects.get(subject);
    if (s == null && subjects.size() >= MAX_SUBJECTS) {
      return withMarker(metrics, FULL, true);
    }
    if (s == null) {
      s = new State();
      subjects.put(subject, s);
    }
    boolean full = s.sent.isEmpty() || s.fullRequested || s.sinceFull + 1 >= fullEvery;
    Map<String, Object> out;
    if (full) {
      s.sinceFull = 0;
      s.fullRequested = false;
      out = withMarker(metrics, FULL, true);
    } else {
      s.sinceFull++;
      out = new LinkedHashMap<>();
      out.put(DELTA, s.sinceFull);
      for (Map.Entry<String, Object> e : metrics.entrySet()) {
        if (!same(s.sent.get(e.getKey()), e.getValue())) {
          out.put(e.getKey(), e.getValue());
        }
      }
      List<String> gone = new ArrayList<>();
      for (String name : s.sent.keySet()) {
        if (!metrics.containsKey(name)) {
          gone.add(name);
        }
      }
      if (!gone.isEmpty()) {
        out.put(GONE, String.join(",", gone));
      }
    }
    s.sent = new TreeMap<>(metrics);
    return out;
  }

  /** The next report of every subject is a full one. */
  synchronized void requestFull() {
    subjects.values().forEach(s -> s.fullRequested = true);
  }

  synchronized Map<String, Object> current(String subject) {
    State s = subjects.get(subject);
    return s == null ? null : new LinkedHashMap<>(s.sent);
  }

  private static Map<String, Object> withMarker(
      Map<String, Object> metrics, String name, Object value) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(name, value);
    metrics.forEach(out::putIfAbsent);
    return out;
  }

  private static boolean same(Object a, Object b) {
    if (a instanceof byte[] x && b instanceof byte[] y) {
      return java.util.Arrays.equals(x, y);
    }
    return Objects.equals(a, b);
  }

  /**
   * How a receiver rebuilds the whole state from what it got: the state so far and one report in
   * order; the markers and {@code seq} are not part of the state.
   */
  static Map<String, Object> apply(Map<String, Object> state, Map<String, Object> report) {
    Map<String, Object> next =
        Boolean.TRUE.equals(report.get(FULL)) ? new TreeMap<>() : new TreeMap<>(state);
    report.forEach(
        (name, value) -> {
          if (!name.equals(FULL)
              && !name.equals(DELTA)
              && !name.equals(GONE)
              && !name.equals(Message.SEQ)) {
            next.put(name, value);
          }
        });
    if (report.get(GONE) instanceof String gone) {
      for (String name : gone.split(",")) {
        next.remove(name);
      }
    }
    return next;
  }

  @Override
  public String appId() {
    return APP_ID;
  }

  @Override
  public Response handle(Request request) {
    if (!request.method().equals("GET") || !request.resource(0).equals(FULL)) {
      return Response.error(404, "HEALTH-V1 answers GET/full[/subject]");
    }
    requestFull();
    String subject = request.resources().size() > 1 ? request.resource(1) : "device";
    Map<String, Object> state = current(subject);
    if (state == null) {
      return Response.error(404, "no health report of " + subject + " yet");
    }
    Map<String, Object> reply = new LinkedHashMap<>();
    reply.put(FULL, true);
    state.forEach(reply::putIfAbsent);
    return Response.ok(reply);
  }
}
