// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;
import org.watchpost.uplink.codec.MalformedPayloadException;

/**
 * The repair crews' list: from what devices publish (BIRTH with {@code site} and {@code region},
 * DC, LWT, camera health reports and alarms, the device report's model, MODEL-V1 answers), the
 * state of every device and camera now, since when, totals per state and per site/region, the
 * oldest unresolved fault first.
 *
 * <p>Everything here comes off the network: every message is decoded within {@link #MAX_INFLATED},
 * texts are clipped and restricted to printable characters, a camera state must be one the devices
 * know, and the numbers of devices and of cameras per device are capped ({@link #MAX_DEVICES},
 * {@link #MAX_CAMERAS}); what does not fit is counted, not kept. Thread-safe: {@link #accept} may
 * be called from the MQTT client's thread.
 */
public final class FleetCensus {
  static final int MAX_INFLATED = 256 * 1024;

  /**
   * The national fleet is 75,476 devices; room for growth, not for a flood of made-up client ids.
   */
  static final int MAX_DEVICES = 500_000;

  static final int MAX_CAMERAS = 32;
  static final int MAX_LABEL = 64;
  static final int MAX_ID = 128;

  /** The states a camera reports (org.watchpost.api.health.CameraState), most telling first. */
  static final List<String> CAMERA_STATES =
      List.of(
          "NO_SIGNAL",
          "FROZEN",
          "BLACK",
          "OVEREXPOSED",
          "BLURRED",
          "OBSTRUCTED",
          "MOVED",
          "LOW_FPS",
          "OK");

  /**
   * A timestamp further than this from the census clock is not believed; arrival time is used
   * instead.
   */
  private static final long CLOCK_SKEW_MILLIS = 366L * 24 * 3600 * 1000;

  /** One camera: its raised states (none: OK) and since when the oldest of them stands. */
  static final class Camera {
    final Set<String> raised = new TreeSet<>(Comparator.comparingInt(CAMERA_STATES::indexOf));
    long faultSinceMillis;

    String state() {
      return raised.isEmpty() ? "OK" : String.join("+", raised);
    }
  }

  /** One device as the census knows it. */
  static final class Device {
    final String id;
    boolean online;

    /** When the device went online or offline, as far as the census saw it; 0 unknown. */
    long sinceMillis;

    long lastHeardMillis;
    String site = "";
    String region = "";
    String model = "";
    final Map<String, Camera> cameras = new TreeMap<>();

    Device(String id) {
      this.id = id;
    }
  }

  /** One line of the list: a device, or one of its cameras. */
  public record Row(
      String device,
      String site,
      String region,
      String deviceState,
      long deviceSinceMillis,
      String camera,
      String cameraState,
      long faultSinceMillis,
      String model) {
    /** When the fault this row stands for began; Long.MAX_VALUE when nothing is wrong. */
    long faultAge() {
      if (deviceState.equals("NEVER_SEEN")) {
        return Long.MIN_VALUE;
      }
      if (deviceState.equals("OFFLINE")) {
        return deviceSinceMillis == 0 ? Long.MIN_VALUE + 1 : deviceSinceMillis;
      }
      return cameraState.equals("OK") || cameraState.isEmpty() ? Long.MAX_VALUE : faultSinceMillis;
    }
  }

  private final String account;
  private final String censusId;
  private final Map<String, Device> devices = new HashMap<>();
  private long malformed;
  private long refused;

  public FleetCensus(String account, String censusId) {
    this.account = account;
    this.censusId = censusId;
  }

  /**
   * Makes a device known before it speaks (an inventory): it is listed, as never heard from, until
   * it does.
   */
  synchronized void expect(String clientId) {
    if (validId(clientId)) {
      device(clientId, false);
    }
  }

  /** Takes one message as it arrived from the broker. */
  public synchronized void accept(String topic, byte[] wire, long nowMillis) {
    KuraTopic parsed = topic == null ? null : KuraTopic.parse(topic);
    if (parsed == null
        || !account.equals(parsed.account())
        || !validId(parsed.clientId())
        || wire == null) {
      refused++;
      return;
    }
    List<KuraPayload> payloads;
    try {
      payloads = KuraPayloadCodec.decodeMessages(wire, MAX_INFLATED);
    } catch (MalformedPayloadException | RuntimeException e) {
      malformed++;
      return;
    }
    for (KuraPayload p : payloads) {
      take(parsed, p, nowMillis);
    }
  }

  private void take(KuraTopic topic, KuraPayload p, long now) {
    String id = topic.clientId();
    switch (topic.kind()) {
      case BIRTH -> {
        Device d = device(id, true);
        if (d == null) {
          return;
        }
        if (!d.online || d.sinceMillis == 0) {
          d.sinceMillis = believable(p.timestamp(), now);
        }
        d.online = true;
        d.lastHeardMillis = now;
        d.site = label(p.metric("site"), d.site);
        d.region = label(p.metric("region"), d.region);
      }
      case DISCONNECT, LAST_WILL -> {
        Device d = device(id, true);
        if (d == null) {
          return;
        }
        if (d.online || d.sinceMillis == 0) {
          // The will's timestamp is the device's connect time, not the loss: arrival is the better
          // clock.
          d.sinceMillis = now;
        }
        d.online = false;
      }
      case HEALTH -> health(id, topic.subject(), p, now);
      case CONTROL -> reply(id, topic.subject(), p, now);
      default -> {}
    }
  }

  private void health(String id, String subject, KuraPayload p, long now) {
    Device d = heard(id, now);
    if (d == null) {
      return;
    }
    if (subject.equals("device")) {
      String name = label(p.metric("model_name"), "");
      String version = label(p.metric("model_version"), "");
      if (!version.isEmpty()) {
        d.model = name.isEmpty() ? version : name + " " + version;
      }
      return;
    }
    String camera = label(subject, "");
    Object state = p.metric("state");
    if (camera.isEmpty() || !(state instanceof String s) || !CAMERA_STATES.contains(s)) {
      return;
    }
    Camera c = d.cameras.get(camera);
    if (c == null) {
      if (d.cameras.size() >= MAX_CAMERAS) {
        refused++;
        return;
      }
      c = new Camera();
      d.cameras.put(camera, c);
    }
    Object raised = p.metric("raised");
    if (raised instanceof Boolean up) {
      if (s.equals("OK")) {
        return;
      }
      long at = believable(p.timestamp(), now);
      if (up) {
        if (c.raised.isEmpty() || at < c.faultSinceMillis) {
          c.faultSinceMillis = at;
        }
        c.raised.add(s);
      } else {
        c.raised.remove(s);
      }
    } else if (s.equals("OK")) {
      // A report says what stands now: a clear the census missed is caught up here.
      c.raised.clear();
    } else if (!c.raised.contains(s)) {
      // Raised before the census listened: it stands at least since now.
      if (c.raised.isEmpty()) {
        c.faultSinceMillis = believable(p.timestamp(), now);
      }
      c.raised.add(s);
    }
  }

  /** A MODEL-V1 answer to the census's own GET: the device's model and that it is online. */
  private void reply(String id, String subject, KuraPayload p, long now) {
    if (!id.equals(censusId) || !subject.startsWith(ModelProtocol.APP_ID + "/REPLY/")) {
      return;
    }
    Object device = p.metric(ModelProtocol.CLIENT_ID);
    Object code = p.metric("response.code");
    if (!(device instanceof String deviceId)
        || !validId(deviceId)
        || !(code instanceof Number n)
        || n.intValue() != 200) {
      return;
    }
    Device d = heard(deviceId, now);
    if (d != null) {
      String version = label(p.metric(ModelProtocol.ACTIVE_VERSION), "");
      if (!version.isEmpty() && d.model.isEmpty()) {
        d.model = version;
      }
    }
  }

  /**
   * A device that speaks is online; when the census did not see it come, since when is unknown (0).
   */
  private Device heard(String id, long now) {
    Device d = device(id, true);
    if (d != null) {
      if (!d.online) {
        d.online = true;
        d.sinceMillis = d.lastHeardMillis == 0 && d.sinceMillis == 0 ? 0 : now;
      }
      d.lastHeardMillis = now;
    }
    return d;
  }

  private Device device(String id, boolean count) {
    Device d = devices.get(id);
    if (d == null) {
      if (devices.size() >= MAX_DEVICES) {
        if (count) {
          refused++;
        }
        return null;
      }
      d = new Device(id);
      devices.put(id, d);
    }
    return d;
  }

  private static boolean validId(String id) {
    // Printable ASCII without the CSV's separators: ids go into the files as they are.
    return id != null
        && !id.isEmpty()
        && id.length() <= MAX_ID
        && id.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f && ch != ',' && ch != '"');
  }

  private static long believable(Long timestamp, long now) {
    return timestamp != null && Math.abs(timestamp - now) < CLOCK_SKEW_MILLIS ? timestamp : now;
  }

  /** A text from a device, fit to print in a table and a CSV cell: printable, clipped. */
  static String label(Object value, String otherwise) {
    if (!(value instanceof String s)) {
      return otherwise;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < MAX_LABEL; i++) {
      char ch = s.charAt(i);
      out.append(Character.isISOControl(ch) || ch == '"' || ch == ',' ? '_' : ch);
    }
    return out.toString().strip();
  }

  public synchronized int size() {
    return devices.size();
  }

  /** Devices online now. */
  public synchronized long online() {
    return devices.values().stream().filter(d -> d.online).count();
  }

  public synchronized long malformed() {
    return malformed;
  }

  synchronized long refused() {
    return refused;
  }

  /**
   * Every device and camera, the oldest unresolved fault first (offline devices and faulty
   * cameras), then the rest.
   */
  public synchronized List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (Device d : devices.values()) {
      String state =
          d.lastHeardMillis == 0 && !d.online && d.sinceMillis == 0
              ? "NEVER_SEEN"
              : d.online ? "ONLINE" : "OFFLINE";
      if (d.cameras.isEmpty()) {
        rows.add(new Row(d.id, d.site, d.region, state, d.sinceMillis, "", "", 0, d.model));
      }
      for (Map.Entry<String, Camera> c : d.cameras.entrySet()) {
        rows.add(
            new Row(
                d.id,
                d.site,
                d.region,
                state,
                d.sinceMillis,
                c.getKey(),
                c.getValue().state(),
                c.getValue().raised.isEmpty() ? 0 : c.getValue().faultSinceMillis,
                d.model));
      }
    }
    rows.sort(
        Comparator.comparingLong(Row::faultAge)
            .thenComparing(Row::device)
            .thenComparing(Row::camera));
    return rows;
  }

  /**
   * Devices per state, cameras per state, and per site and per region: devices, offline, faulty
   * cameras.
   */
  public synchronized Map<String, Object> totals() {
    Map<String, Long> deviceStates = new TreeMap<>();
    Map<String, Long> cameraStates = new TreeMap<>();
    Map<String, long[]> sites = new TreeMap<>();
    Map<String, long[]> regions = new TreeMap<>();
    for (Device d : devices.values()) {
      String state =
          d.lastHeardMillis == 0 && !d.online && d.sinceMillis == 0
              ? "NEVER_SEEN"
              : d.online ? "ONLINE" : "OFFLINE";
      deviceStates.merge(state, 1L, Long::sum);
      long faulty = 0;
      for (Camera c : d.cameras.values()) {
        if (c.raised.isEmpty()) {
          cameraStates.merge("OK", 1L, Long::sum);
        } else {
          faulty++;
          c.raised.forEach(s -> cameraStates.merge(s, 1L, Long::sum));
        }
      }
      for (var group : List.of(Map.entry(sites, d.site), Map.entry(regions, d.region))) {
        long[] t =
            group
                .getKey()
                .computeIfAbsent(
                    group.getValue().isEmpty() ? "(none)" : group.getValue(), k -> new long[4]);
        t[0]++;
        t[1] += state.equals("OFFLINE") ? 1 : 0;
        t[2] += d.cameras.size();
        t[3] += faulty;
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("devices", (long) devices.size());
    out.put("device_states", deviceStates);
    out.put("camera_states", cameraStates);
    out.put("sites", asMaps(sites));
    out.put("regions", asMaps(regions));
    return out;
  }

  private static Map<String, Map<String, Long>> asMaps(Map<String, long[]> groups) {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    groups.forEach(
        (k, t) ->
            out.put(
                k,
                new LinkedHashMap<>(
                    Map.of(
                        "devices",
                        t[0],
                        "offline",
                        t[1],
                        "cameras",
                        t[2],
                        "cameras_faulty",
                        t[3]))));
    out.values()
        .forEach(
            m -> {
              Map<String, Long> ordered = new LinkedHashMap<>();
              for (String key : List.of("devices", "offline", "cameras", "cameras_faulty")) {
                ordered.put(key, m.get(key));
              }
              m.clear();
              m.putAll(ordered);
            });
    return out;
  }

  static String time(long millis) {
    return millis <= 0 || millis == Long.MAX_VALUE ? "" : Instant.ofEpochMilli(millis).toString();
  }
}
