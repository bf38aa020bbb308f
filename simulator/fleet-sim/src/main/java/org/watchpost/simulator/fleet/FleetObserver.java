// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.watchpost.simulator.link.SimClock;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;
import org.watchpost.uplink.codec.MalformedPayloadException;

/**
 * The central side of a fleet: one subscriber on the broker that decodes everything the devices
 * publish (Kura topics, KuraPayload, batches) and keeps, per device, what an operator looks at:
 * online or not, model version, camera states, events and bytes, alarms, and the sequence numbers
 * seen (gaps are losses).
 *
 * <p>Who sent a message is not always the client id in its topic. Kura's request/response
 * convention puts a device's reply in the requester's namespace ({@code
 * $EDC/{account}/{requester}/{appId}/REPLY/{request.id}}), and a console's request in the device's
 * ({@code $EDC/{account}/{device}/{appId}/{method}/...}, or {@code _all}). A reply is filed under
 * the device that sent it (its {@code client.id} metric, which a GET to {@code _all} carries, or
 * else the device the request it answers went to), so that its {@code seq} fills the device's
 * sequence rather than leaving a gap there; and only clients that speak as devices (a BIRTH, data
 * or a notification under their own client id, or named by {@link #expect}) are rows of the fleet.
 */
public final class FleetObserver implements AutoCloseable {
  private static final int MAX_INFLATED = 4 << 20;
  private static final int ALARMS_KEPT = 200;

  /**
   * Requests remembered to attribute their replies; a console has a few in flight, a rollout of a
   * fleet more.
   */
  private static final int REQUESTS_KEPT = 4096;

  /** A GET reply's name for the device that answers (MODEL-V1 {@code client.id}). */
  static final String REPLY_CLIENT_ID = "client.id";

  /** A camera state raised or cleared, as it arrived. */
  public record Alarm(
      String device,
      String camera,
      String state,
      boolean raised,
      String reason,
      long streamMillis,
      long timestampMillis,
      double arrivedScenarioSeconds,
      double latencySeconds) {}

  /** What the centre knows of one device. */
  public static final class DeviceView {
    final String id;
    volatile boolean online;
    volatile long births;
    volatile String modelName = "";
    volatile String modelVersion = "";
    final Map<String, String> cameraStates = new ConcurrentHashMap<>();
    final AtomicLong events = new AtomicLong();
    final AtomicLong foldedCounts = new AtomicLong();
    final AtomicLong messages = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final List<Alarm> alarms = new ArrayList<>();
    final BitSet seqs = new BitSet();
    volatile long maxSeq;
    volatile long dcOutboxDepth = -1;

    /** Spoke under its own client id, or was expected: a device, not a console or {@code _all}. */
    volatile boolean device;

    DeviceView(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    public boolean online() {
      return online;
    }

    /**
     * Sequence numbers from 1 (every simulated device starts with a fresh outbox) to the highest
     * seen that never arrived. BIRTH's {@code next_seq} is not the start: messages stored before
     * the first connect have lower ones.
     */
    public synchronized long missingSeqs() {
      if (maxSeq == 0) {
        return 0;
      }
      return maxSeq - seqs.get(1, (int) maxSeq + 1).cardinality();
    }

    public synchronized List<Alarm> alarms() {
      return new ArrayList<>(alarms);
    }

    public long events() {
      return events.get();
    }

    public long bytes() {
      return bytes.get();
    }

    public long messages() {
      return messages.get();
    }

    public String modelVersion() {
      return modelName.isEmpty() ? "" : modelName + " " + modelVersion;
    }

    public Map<String, String> cameraStates() {
      return new TreeMap<>(cameraStates);
    }

    /** Birth certificates seen: one per connect. */
    public long births() {
      return births;
    }

    public long dcOutboxDepth() {
      return dcOutboxDepth;
    }

    public long maxSeq() {
      return maxSeq;
    }

    public long duplicates() {
      return duplicates.get();
    }

    public long foldedCounts() {
      return foldedCounts.get();
    }

    /** Whether this is a device (see the class comment) rather than a console or {@code _all}. */
    public boolean isDevice() {
      return device;
    }
  }

  private final MqttClient client;
  private final SimClock clock;
  private final Map<String, DeviceView> devices = new ConcurrentHashMap<>();
  private final AtomicLong totalMessages = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private final List<Alarm> recentAlarms = new ArrayList<>();

  /**
   * {@code requester/request.id} to the device the request went to (not {@code _all}), oldest
   * dropped first.
   */
  private final Map<String, String> requestTargets =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > REQUESTS_KEPT;
        }
      };

  private volatile String recordedDevice;
  private volatile Trace.Recorder recorder;

  private FleetObserver(MqttClient client, SimClock clock) {
    this.client = client;
    this.clock = clock;
  }

  public static FleetObserver start(String brokerUrl, SimClock clock) throws MqttException {
    MqttClient client =
        new MqttClient(
            brokerUrl,
            "watchpost-central-" + ProcessHandle.current().pid(),
            new MemoryPersistence());
    FleetObserver observer = new FleetObserver(client, clock);
    client.setCallback(
        new MqttCallback() {
          @Override
          public void connectionLost(Throwable cause) {}

          @Override
          public void messageArrived(String topic, MqttMessage message) {
            observer.onMessage(topic, message.getPayload());
          }

          @Override
          public void deliveryComplete(IMqttDeliveryToken token) {}
        });
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(true);
    options.setAutomaticReconnect(true);
    options.setMaxInflight(1000);
    client.connect(options);
    client.subscribe(new String[] {"#", "$EDC/#"}, new int[] {1, 1});
    return observer;
  }

  /** Makes a device known before it first speaks, so that the view lists it as offline. */
  public void expect(String deviceId) {
    devices.computeIfAbsent(deviceId, DeviceView::new).device = true;
  }

  void onMessage(String topic, byte[] wire) {
    totalMessages.incrementAndGet();
    KuraTopic parsed = KuraTopic.parse(topic);
    if (parsed == null) {
      return;
    }
    List<KuraPayload> payloads;
    try {
      payloads = KuraPayloadCodec.decodeMessages(wire, MAX_INFLATED);
    } catch (MalformedPayloadException e) {
      payloads = null;
    }
    Role role = role(parsed);
    String sender = parsed.clientId();
    if (role == Role.REPLY && payloads != null) {
      sender = replySender(parsed, payloads);
    } else if (role == Role.REQUEST && payloads != null) {
      rememberRequest(parsed, payloads);
    }
    DeviceView device = devices.computeIfAbsent(sender, DeviceView::new);
    if (role == Role.OWN) {
      device.device = true;
    }
    double now = clock.seconds();
    device.messages.incrementAndGet();
    device.bytes.addAndGet(wire.length + topic.length());
    if (payloads == null) {
      malformed.incrementAndGet();
      return;
    }
    for (KuraPayload payload : payloads) {
      switch (parsed.kind()) {
        case BIRTH -> {
          device.online = true;
          device.births++;
        }
        case DISCONNECT -> {
          device.online = false;
          Long depth = payload.longMetric("outbox_depth");
          device.dcOutboxDepth = depth == null ? -1 : depth;
        }
        case LAST_WILL -> {
          device.online = false;
        }
        default -> data(device, parsed, payload, now);
      }
    }
  }

  /** Who published a message, as far as its topic tells (see the class comment). */
  private enum Role {
    /** Published by the client its topic names: lifecycle, data, a notification. */
    OWN,
    /** A console's request in a device's namespace (or {@code _all}'s). */
    REQUEST,
    /** A device's reply in the requester's namespace. */
    REPLY
  }

  private static Role role(KuraTopic topic) {
    if (topic.kind() != KuraTopic.Kind.CONTROL) {
      return Role.OWN;
    }
    String[] levels = topic.subject().split("/", -1);
    if (levels.length < 2) {
      return Role.REQUEST;
    }
    return switch (levels[1]) {
      case "REPLY" -> Role.REPLY;
      case "NOTIFY" -> Role.OWN;
      default -> Role.REQUEST;
    };
  }

  private void rememberRequest(KuraTopic topic, List<KuraPayload> payloads) {
    if (topic.clientId().equals("_all") || payloads.isEmpty()) {
      return;
    }
    String requestId = payloads.get(0).stringMetric("request.id");
    String requester = payloads.get(0).stringMetric("requester.client.id");
    if (requestId != null && requester != null) {
      synchronized (requestTargets) {
        requestTargets.put(requester + "/" + requestId, topic.clientId());
      }
    }
  }

  /**
   * The device a reply came from: the one it names, else the one its request went to, else
   * (unknown) the topic's.
   */
  private String replySender(KuraTopic topic, List<KuraPayload> payloads) {
    if (!payloads.isEmpty()) {
      String named = payloads.get(0).stringMetric(REPLY_CLIENT_ID);
      if (named != null && KuraTopic.isLevel(named) && !named.equals("_all")) {
        return named;
      }
    }
    String[] levels = topic.subject().split("/", -1);
    if (levels.length >= 3) {
      String target;
      synchronized (requestTargets) {
        target = requestTargets.get(topic.clientId() + "/" + levels[2]);
      }
      if (target != null) {
        return target;
      }
    }
    return topic.clientId();
  }

  private void data(DeviceView device, KuraTopic topic, KuraPayload wirePayload, double now) {
    // Events come in the compact or the verbose profile; read both by the verbose names.
    KuraPayload payload =
        topic.kind() == KuraTopic.Kind.EVENTS
            ? org.watchpost.uplink.codec.EventMetrics.verbose(wirePayload)
            : wirePayload;
    Long seq = payload.longMetric("seq");
    if (seq != null && seq > 0 && seq < Integer.MAX_VALUE) {
      synchronized (device) {
        if (device.seqs.get(seq.intValue())) {
          device.duplicates.incrementAndGet();
          return;
        }
        device.seqs.set(seq.intValue());
        device.maxSeq = Math.max(device.maxSeq, seq);
      }
    }
    Trace.Recorder traceRecorder = recorder;
    // A trace holds what an agent replays: events, counts and camera health (Trace reads no other
    // kind).
    if (traceRecorder != null
        && device.id.equals(recordedDevice)
        && !topic.subject().equals("device")
        && (topic.kind() == KuraTopic.Kind.EVENTS
            || topic.kind() == KuraTopic.Kind.COUNTS
            || topic.kind() == KuraTopic.Kind.HEALTH)) {
      traceRecorder.record(topic.kind().key(), topic.subject(), priority(topic, payload), payload);
    }
    switch (topic.kind()) {
      case EVENTS -> device.events.incrementAndGet();
      case COUNTS -> {
        if (Boolean.TRUE.equals(payload.metric("folded"))) {
          payload
              .metrics()
              .forEach(
                  (name, value) -> {
                    if (name.contains(".") && value instanceof Long n) {
                      device.foldedCounts.addAndGet(n);
                    }
                  });
        }
      }
      case HEALTH -> health(device, topic.subject(), payload, now);
      default -> {}
    }
  }

  /** The priority the device gave a message, as far as its topic and metrics tell. */
  static String priority(KuraTopic topic, KuraPayload payload) {
    return switch (topic.kind()) {
      case EVENTS ->
          String.valueOf(payload.metric("type")).contains("intrusion") ? "ALARM" : "EVENT";
      case COUNTS -> "COUNTS";
      case HEALTH ->
          Boolean.TRUE.equals(payload.metric("raised"))
              ? "ALARM"
              : payload.metric("raised") != null ? "EVENT" : "HEALTH";
      default -> "HEALTH";
    };
  }

  /** Writes every data message of one device to a trace, for agents to replay. */
  public void record(String deviceId, Trace.Recorder traceRecorder) {
    recordedDevice = deviceId;
    recorder = traceRecorder;
  }

  private void health(DeviceView device, String subject, KuraPayload payload, double now) {
    if (subject.equals("device")) {
      String name = payload.stringMetric("model_name");
      String version = payload.stringMetric("model_version");
      if (name != null) {
        device.modelName = name;
      }
      if (version != null) {
        device.modelVersion = version;
      }
      return;
    }
    Object raised = payload.metric("raised");
    String state = payload.stringMetric("state");
    if (raised instanceof Boolean up && state != null) {
      Long streamMillis = payload.longMetric("stream_ms");
      long timestamp = payload.timestamp() == null ? 0 : payload.timestamp();
      // The camera's clock origin is its capture time less its stream time; arrival is put on the
      // same clock.
      double latency = Double.NaN;
      if (streamMillis != null && timestamp > 0) {
        double arrivalWall = System.currentTimeMillis();
        latency = (arrivalWall - timestamp) / 1000.0 * clock.speed();
      }
      Alarm alarm =
          new Alarm(
              device.id,
              subject,
              state,
              up,
              String.valueOf(payload.metric("reason")),
              streamMillis == null ? -1 : streamMillis,
              timestamp,
              now,
              latency);
      synchronized (device) {
        if (device.alarms.size() < ALARMS_KEPT) {
          device.alarms.add(alarm);
        }
      }
      synchronized (recentAlarms) {
        recentAlarms.add(alarm);
        if (recentAlarms.size() > 20) {
          recentAlarms.remove(0);
        }
      }
      if (up) {
        device.cameraStates.merge(
            subject, state, (old, added) -> old.equals("OK") ? added : join(old, added));
      } else {
        device.cameraStates.computeIfPresent(subject, (k, old) -> remove(old, state));
      }
      return;
    }
    String reportState = payload.stringMetric("state");
    if (reportState != null) {
      device.cameraStates.putIfAbsent(subject, reportState);
    } else {
      device.cameraStates.putIfAbsent(subject, "OK");
    }
  }

  private static String join(String states, String added) {
    List<String> list = new ArrayList<>(List.of(states.split("\\+")));
    if (!list.contains(added)) {
      list.add(added);
    }
    return String.join("+", list);
  }

  private static String remove(String states, String cleared) {
    List<String> list = new ArrayList<>(List.of(states.split("\\+")));
    list.remove(cleared);
    return list.isEmpty() ? "OK" : String.join("+", list);
  }

  /**
   * Every client seen, devices and others (consoles, {@code _all}); see {@link
   * DeviceView#isDevice}.
   */
  public Map<String, DeviceView> devices() {
    return new TreeMap<>(devices);
  }

  public DeviceView device(String id) {
    return devices.get(id);
  }

  public long totalMessages() {
    return totalMessages.get();
  }

  public long malformed() {
    return malformed.get();
  }

  public List<Alarm> recentAlarms() {
    synchronized (recentAlarms) {
      return new ArrayList<>(recentAlarms);
    }
  }

  public SimClock clock() {
    return clock;
  }

  /** A snapshot for the web page and the terminal: one row per device. */
  public List<Map<String, Object>> rows() {
    double hours = Math.max(clock.seconds(), 1) / 3600.0;
    List<Map<String, Object>> rows = new ArrayList<>();
    for (DeviceView d : devices().values()) {
      if (!d.device) {
        continue;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("device", d.id);
      row.put("online", d.online);
      row.put("model", d.modelVersion());
      row.put("cameras", d.cameraStates());
      row.put("events_per_hour", Math.round(d.events.get() / hours));
      row.put("bytes_per_hour", Math.round(d.bytes.get() / hours));
      row.put("alarms", d.alarms().stream().filter(Alarm::raised).count());
      row.put("missing_seqs", d.missingSeqs());
      rows.add(row);
    }
    return rows;
  }

  @Override
  public void close() {
    try {
      if (client.isConnected()) {
        client.disconnect(1_000);
      }
      client.close(true);
    } catch (MqttException ignored) {
      // the broker went first
    }
  }
}
