// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.frame.SourceState;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.MetricsProvider;
import org.watchpost.api.pipeline.CameraStatus;

/**
 * Turns what the pipeline, health and the uplink publish into the values and events of the address
 * space. Every method runs on the one mirror thread, so the sums and the camera states need no
 * locks.
 */
final class StateMirror {
  /** Names in the device health report (org.watchpost.health DeviceHealthComponent). */
  static final String CPU_LOAD_PERCENT = "cpu_load_percent";

  static final String CPU_TEMPERATURE_C = "cpu_temperature_c";
  static final String DISK_FREE_MB = "disk_free_mb";
  static final String UPTIME_S = "uptime_s";
  static final String DETECTOR_UP = "detector_up";

  /**
   * The camera states a camera's health report lists as raised (org.watchpost.health
   * CameraMonitor).
   */
  static final String RAISED_STATES = "raised_states";

  private static final String DEVICE = "device";
  private static final String PEAK = ".peak";
  private static final Set<CameraState> TAMPER =
      EnumSet.of(CameraState.OBSTRUCTED, CameraState.MOVED);

  private final WatchpostNamespace namespace;
  private final Map<String, Map<String, Map<String, Long>>> counts = new HashMap<>();
  private final Map<String, Set<CameraState>> raised = new HashMap<>();
  private final Map<String, SourceState> sources = new HashMap<>();

  StateMirror(WatchpostNamespace namespace) {
    this.namespace = namespace;
  }

  void event(Event event) {
    String description = describe(event);
    namespace.setCamera(
        event.cameraId(), WatchpostNamespace.LAST_EVENT, description, event.eventTimeMillis());
    int severity =
        switch (event.priority()) {
          case ALARM -> 800;
          case EVENT -> 400;
          default -> 200;
        };
    namespace.raiseEvent(
        event.cameraId(),
        "camera " + event.cameraId() + ": " + description,
        severity,
        event.eventTimeMillis());
  }

  static String describe(Event event) {
    StringBuilder s = new StringBuilder(event.type()).append(' ').append(event.ruleId());
    if (!event.className().isEmpty()) {
      s.append(' ').append(event.className());
    }
    if (event.trackId() >= 0) {
      s.append(" track=").append(event.trackId());
    }
    new TreeMap<>(event.attributes())
        .forEach((k, v) -> s.append(' ').append(k).append('=').append(v));
    return s.toString();
  }

  /** Adds an interval's counts to the sums since the last reset; a peak is the interval's own. */
  void counts(CountSummary summary) {
    Map<String, Long> sums =
        counts
            .computeIfAbsent(summary.cameraId(), c -> new HashMap<>())
            .computeIfAbsent(summary.ruleId(), r -> new TreeMap<>());
    summary
        .counts()
        .forEach(
            (key, value) -> {
              long shown = key.endsWith(PEAK) ? value : sums.getOrDefault(key, 0L) + value;
              sums.put(key, shown);
              namespace.setCount(
                  summary.cameraId(), summary.ruleId(), key, shown, summary.toMillis());
            });
  }

  void zeroCounts(String cameraId, long nowMillis) {
    Map<String, Map<String, Long>> camera = counts.get(cameraId);
    if (camera != null) {
      camera.forEach((rule, sums) -> sums.replaceAll((key, value) -> 0L));
      camera.forEach(
          (rule, sums) ->
              sums.keySet().forEach(key -> namespace.setCount(cameraId, rule, key, 0, nowMillis)));
    }
  }

  void alarm(HealthAlarm alarm) {
    Set<CameraState> states =
        raised.computeIfAbsent(alarm.cameraId(), c -> EnumSet.noneOf(CameraState.class));
    if (alarm.raised()) {
      states.add(alarm.state());
    } else {
      states.remove(alarm.state());
    }
    updateStatus(alarm.cameraId(), alarm.timeMillis());
    boolean down =
        alarm.state() == CameraState.NO_SIGNAL || alarm.state() == CameraState.PIPELINE_FAILED;
    int severity = !alarm.raised() ? 200 : down ? 900 : TAMPER.contains(alarm.state()) ? 800 : 600;
    namespace.raiseEvent(
        alarm.cameraId(),
        "camera "
            + alarm.cameraId()
            + ": "
            + alarm.state()
            + " "
            + (alarm.raised() ? "raised" : "cleared")
            + (alarm.reason().isEmpty() ? "" : ": " + alarm.reason()),
        severity,
        alarm.timeMillis());
  }

  void report(HealthReport report) {
    Map<String, Object> m = report.metrics();
    long t = report.timeMillis();
    if (report.subject().equals(DEVICE)) {
      number(m, CPU_LOAD_PERCENT)
          .ifPresent(v -> namespace.setDevice(WatchpostNamespace.CPU_LOAD, v, t));
      number(m, CPU_TEMPERATURE_C)
          .ifPresent(v -> namespace.setDevice(WatchpostNamespace.CPU_TEMPERATURE, v, t));
      number(m, DISK_FREE_MB)
          .ifPresent(v -> namespace.setDevice(WatchpostNamespace.DISK_FREE, v, t));
      number(m, UPTIME_S).ifPresent(v -> namespace.setDevice(WatchpostNamespace.UPTIME, v, t));
      metrics(m, t);
      return;
    }
    // A camera's periodic report lists the states raised: it brings a server that missed alarms up
    // to date.
    if (m.get(RAISED_STATES) instanceof String list) {
      Set<CameraState> states = EnumSet.noneOf(CameraState.class);
      for (String name : list.split(",")) {
        try {
          if (!name.isBlank()) {
            states.add(CameraState.valueOf(name.strip()));
          }
        } catch (IllegalArgumentException e) {
          // a state this server does not know: shown once it is raised as an alarm
        }
      }
      raised.put(report.subject(), states);
      updateStatus(report.subject(), t);
    }
  }

  /** Device values from the metrics providers (detector, uplink). */
  void metrics(Map<String, Object> m, long nowMillis) {
    string(m, MetricsProvider.MODEL_NAME)
        .ifPresent(v -> namespace.setDevice(WatchpostNamespace.MODEL, v, nowMillis));
    string(m, MetricsProvider.MODEL_VERSION)
        .ifPresent(v -> namespace.setDevice(WatchpostNamespace.MODEL_VERSION, v, nowMillis));
    string(m, MetricsProvider.MODEL_SHA256)
        .ifPresent(v -> namespace.setDevice(WatchpostNamespace.MODEL_SHA256, v, nowMillis));
    if (m.get(DETECTOR_UP) instanceof Boolean up) {
      namespace.setDevice(WatchpostNamespace.DETECTOR_UP, up, nowMillis);
    }
    if (m.get(MetricsProvider.UPLINK_CONNECTED) instanceof Boolean connected) {
      namespace.setDevice(WatchpostNamespace.UPLINK_CONNECTED, connected, nowMillis);
    }
    if (m.get(MetricsProvider.OUTBOX_DEPTH) instanceof Number depth) {
      namespace.setDevice(WatchpostNamespace.OUTBOX_DEPTH, depth.longValue(), nowMillis);
    }
  }

  /** The running cameras' status; a camera seen before and missing now has stopped. */
  void cameras(List<CameraStatus> statuses, long nowMillis) {
    Set<String> running = new HashSet<>();
    for (CameraStatus status : statuses) {
      running.add(status.cameraId());
      sources.put(status.cameraId(), status.source().state());
      namespace.setCamera(
          status.cameraId(), WatchpostNamespace.FPS, round(status.framesPerSecond()), nowMillis);
      if (!Double.isNaN(status.inferenceMillis())) {
        namespace.setCamera(
            status.cameraId(),
            WatchpostNamespace.INFERENCE_MS,
            round(status.inferenceMillis()),
            nowMillis);
      }
      updateStatus(status.cameraId(), nowMillis);
    }
    for (String cameraId : new ArrayList<>(namespace.cameraIds())) {
      if (!running.contains(cameraId) && sources.containsKey(cameraId)) {
        sources.remove(cameraId);
        namespace.setCamera(cameraId, WatchpostNamespace.FPS, 0.0, nowMillis);
        namespace.setCamera(cameraId, WatchpostNamespace.STATUS, "STOPPED", nowMillis);
      }
    }
  }

  void armed(String cameraId, boolean armed, long nowMillis) {
    namespace.setCamera(cameraId, WatchpostNamespace.ARMED, armed, nowMillis);
  }

  private void updateStatus(String cameraId, long timeMillis) {
    Set<CameraState> states = raised.getOrDefault(cameraId, Set.of());
    SourceState source = sources.get(cameraId);
    String status;
    if (!states.isEmpty()) {
      status = states.stream().map(Enum::name).collect(Collectors.joining(","));
    } else if (source == null) {
      status = "UNKNOWN";
    } else if (source == SourceState.RUNNING) {
      status = "OK";
    } else {
      status = source.name();
    }
    namespace.setCamera(cameraId, WatchpostNamespace.STATUS, status, timeMillis);
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  private static java.util.Optional<Double> number(Map<String, Object> m, String name) {
    return m.get(name) instanceof Number n
        ? java.util.Optional.of(n.doubleValue())
        : java.util.Optional.empty();
  }

  private static java.util.Optional<String> string(Map<String, Object> m, String name) {
    return m.get(name) instanceof String s ? java.util.Optional.of(s) : java.util.Optional.empty();
  }
}
