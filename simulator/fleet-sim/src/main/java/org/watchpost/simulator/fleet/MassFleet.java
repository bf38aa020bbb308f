// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;
import org.watchpost.uplink.codec.MalformedPayloadException;

/**
 * Many protocol agents in one JVM on the HiveMQ MQTT client (asynchronous, one shared Netty event
 * loop; a device is a few objects and a socket, not a thread): each speaks the device's wire
 * protocol through the uplink's codec, Kura topics and KuraPayload at QoS 1: BIRTH with {@code
 * site}, {@code region} and {@code next_seq} on every connect, its last will, a DC on a clean stop,
 * a health report per camera and one of the device every {@code healthEvery} (its phase drawn per
 * device), an alarm when a camera's fault is raised, events and counts replayed from a recorded
 * trace, a strictly increasing {@code seq}, and MODEL-V1 GET models answered.
 *
 * <p>The camera states follow a spread for a fleet of public cameras many of which wait for repair
 * (see {@link #STATE_SPREAD}); the spread is drawn per camera from a seed, so that a run is
 * repeatable.
 */
public final class MassFleet implements AutoCloseable {
  /** Camera states and their share of the fleet's cameras. */
  static final Map<String, Double> STATE_SPREAD = spread();

  private static final String MODEL_NAME = "yolox-nano";
  private static final String MODEL_VERSION = "0.1.1";

  /** What the fleet is asked to be. */
  public record Settings(
      String account,
      String idPrefix,
      int first,
      int count,
      String brokerHost,
      int brokerPort,
      List<String> sourceAddresses,
      Duration healthEvery,
      Trace trace,
      double eventSlowdown,
      long seed,
      int connectsInFlight,
      int nettyThreads) {}

  private final Settings settings;
  private final ScheduledExecutorService timer;
  private final MqttClientExecutorConfig executors;
  private final List<Agent> agents = new ArrayList<>();
  private final Semaphore connecting;
  final AtomicLong connected = new AtomicLong();
  final AtomicLong everConnected = new AtomicLong();
  final AtomicLong published = new AtomicLong();
  final AtomicLong publishFailures = new AtomicLong();
  final AtomicLong requestsAnswered = new AtomicLong();

  public MassFleet(Settings settings) {
    this.settings = settings;
    this.timer =
        Executors.newScheduledThreadPool(
            1,
            r -> {
              Thread t = new Thread(r, "mass-fleet-timer");
              t.setDaemon(true);
              return t;
            });
    this.executors =
        MqttClientExecutorConfig.builder().nettyThreads(settings.nettyThreads()).build();
    this.connecting = new Semaphore(settings.connectsInFlight());
  }

  /**
   * Connects every agent, at most {@code connectsInFlight} at a time (a connect storm is what kills
   * brokers).
   */
  public void start() throws InterruptedException {
    SplittableRandom random = new SplittableRandom(settings.seed());
    for (int i = 0; i < settings.count(); i++) {
      int n = settings.first() + i;
      Agent a = new Agent(String.format("%s%06d", settings.idPrefix(), n), n, random.split());
      agents.add(a);
    }
    for (Agent a : agents) {
      connecting.acquire();
      a.connect();
    }
  }

  public long connected() {
    return connected.get();
  }

  public long published() {
    return published.get();
  }

  public long publishFailures() {
    return publishFailures.get();
  }

  public long requestsAnswered() {
    return requestsAnswered.get();
  }

  public int size() {
    return agents.size();
  }

  /** One simulated device. */
  private final class Agent {
    final String id;
    final SplittableRandom random;
    final Mqtt3AsyncClient client;
    final String[] cameras;
    final String[] states;
    final String site;
    final String region;
    long seq;
    volatile boolean up;
    volatile boolean wasConnected;
    boolean counted;

    Agent(String id, int n, SplittableRandom random) {
      this.id = id;
      this.random = random;
      int cams = pick(random, new double[] {0.6, 0.2, 0.1, 0.1}) + 1;
      cameras = new String[cams];
      states = new String[cams];
      for (int c = 0; c < cams; c++) {
        cameras[c] = "cam" + (c + 1);
        states[c] = drawState(random);
      }
      // 25 regions of about 3,000 devices, sites of 1 to 8 devices: the shape of a national
      // selection.
      region = "region-" + (n % 25 + 1);
      site = "site-" + (n / (1 + (n % 8)));
      List<String> sources = settings.sourceAddresses();
      var builder =
          MqttClient.builder()
              .useMqttVersion3()
              .identifier(id)
              .serverAddress(
                  InetSocketAddress.createUnresolved(settings.brokerHost(), settings.brokerPort()))
              .executorConfig(executors)
              .automaticReconnect()
              .initialDelay(1, TimeUnit.SECONDS)
              .maxDelay(60, TimeUnit.SECONDS)
              .applyAutomaticReconnect()
              .addConnectedListener(ctx -> onConnected())
              .addDisconnectedListener(ctx -> onDisconnected());
      if (!sources.isEmpty()) {
        builder =
            builder
                .transportConfig()
                .serverHost(settings.brokerHost())
                .serverPort(settings.brokerPort())
                .localAddress(new InetSocketAddress(sources.get(n % sources.size()), 0))
                .applyTransportConfig();
      }
      client = builder.buildAsync();
    }

    void connect() {
      byte[] will =
          KuraPayloadCodec.encode(
              new KuraPayload(System.currentTimeMillis(), null, Map.of(), null));
      client
          .connectWith()
          .cleanSession(true)
          .keepAlive(300)
          .willPublish()
          .topic(KuraTopic.control(settings.account(), id, KuraTopic.Kind.LAST_WILL).topic())
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(will)
          .applyWillPublish()
          .send()
          .whenComplete((ack, error) -> connecting.release());
    }

    private void onConnected() {
      up = true;
      wasConnected = true;
      connected.incrementAndGet();
      boolean first = !counted;
      if (first) {
        counted = true;
        everConnected.incrementAndGet();
      }
      String requests = KuraTopic.CONTROL_PREFIX + "/" + settings.account() + "/";
      client
          .subscribeWith()
          .topicFilter(requests + id + "/" + ModelProtocol.APP_ID + "/#")
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(this::request)
          .send();
      client
          .subscribeWith()
          .topicFilter(requests + ModelProtocol.EVERY_DEVICE + "/" + ModelProtocol.APP_ID + "/#")
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(this::request)
          .send();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("display_name", id);
      m.put("model_name", "Watchpost camera unit");
      m.put("firmware_version", "0.1.0");
      m.put("application_ids", ModelProtocol.APP_ID);
      m.put("site", site);
      m.put("region", region);
      m.put("next_seq", seq + 1);
      publish(KuraTopic.control(settings.account(), id, KuraTopic.Kind.BIRTH).topic(), m);
      // A fault that stands is raised once per connection, as the device raises what it finds after
      // a restart.
      long now = System.currentTimeMillis();
      for (int c = 0; c < cameras.length; c++) {
        if (!states[c].equals("OK")) {
          Map<String, Object> a = new LinkedHashMap<>();
          a.put("seq", ++seq);
          a.put("state", states[c]);
          a.put("raised", true);
          a.put("reason", "simulated " + states[c].toLowerCase());
          a.put("stream_ms", 10_000L);
          publish(
              KuraTopic.health(settings.account(), id, cameras[c]).topic(),
              a,
              now - random.nextLong(3_600_000L));
        }
      }
      if (!first) {
        return;
      }
      // The timers run from the first connect on; while the device is away they publish nothing.
      long period = settings.healthEvery().toMillis();
      timer.schedule(this::health, random.nextLong(period), TimeUnit.MILLISECONDS);
      if (settings.trace() != null && !settings.trace().entries().isEmpty()) {
        double start = random.nextDouble() * settings.trace().lengthSeconds();
        scheduleTrace(start);
      }
    }

    private void onDisconnected() {
      if (up) {
        up = false;
      }
      if (wasConnected) {
        wasConnected = false;
        connected.decrementAndGet();
      }
    }

    private void health() {
      timer.schedule(this::health, settings.healthEvery().toMillis(), TimeUnit.MILLISECONDS);
      if (!up) {
        return;
      }
      long now = System.currentTimeMillis();
      for (int c = 0; c < cameras.length; c++) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", ++seq);
        m.put("state", states[c]);
        m.put(
            "fps",
            states[c].equals("LOW_FPS") ? 1.5 + random.nextDouble() : 9 + random.nextDouble() * 3);
        m.put(
            "mean_luma",
            states[c].equals("BLACK")
                ? 4 + random.nextDouble() * 4
                : 90 + random.nextDouble() * 60);
        m.put(
            "sharpness",
            states[c].equals("BLURRED")
                ? 10 + random.nextDouble() * 10
                : 150 + random.nextDouble() * 200);
        publish(KuraTopic.health(settings.account(), id, cameras[c]).topic(), m, now);
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("seq", ++seq);
      d.put("model_name", MODEL_NAME);
      d.put("model_version", MODEL_VERSION);
      d.put("cpu_load", 0.2 + random.nextDouble() * 0.6);
      d.put("outbox_depth", 0L);
      publish(KuraTopic.health(settings.account(), id, "device").topic(), d, now);
    }

    /**
     * Replays the trace's events and counts from {@code at} (trace seconds), looping, slowed down.
     */
    private void scheduleTrace(double at) {
      Trace trace = settings.trace();
      List<Trace.Entry> entries = trace.entries();
      int next = 0;
      while (next < entries.size()
          && (entries.get(next).t() < at || entries.get(next).kind().equals("health"))) {
        next++;
      }
      double wait;
      Trace.Entry entry;
      if (next < entries.size()) {
        entry = entries.get(next);
        wait = entry.t() - at;
      } else {
        int first = 0;
        while (first < entries.size() && entries.get(first).kind().equals("health")) {
          first++;
        }
        if (first == entries.size()) {
          return;
        }
        entry = entries.get(first);
        wait = trace.lengthSeconds() - at + entry.t();
      }
      Trace.Entry e = entry;
      timer.schedule(
          () -> {
            if (up) {
              Map<String, Object> m = new LinkedHashMap<>(e.metrics());
              m.put("seq", ++seq);
              String camera = cameras[Math.floorMod(e.subject().hashCode(), cameras.length)];
              String topic =
                  e.kind().equals("events")
                      ? KuraTopic.events(settings.account(), id, camera).topic()
                      : KuraTopic.counts(settings.account(), id, camera).topic();
              publish(topic, m);
            }
            scheduleTrace(e.t() + 1e-6);
          },
          (long) (Math.max(0, wait) * 1000 * settings.eventSlowdown()),
          TimeUnit.MILLISECONDS);
    }

    private void request(Mqtt3Publish message) {
      KuraTopic topic = KuraTopic.parse(message.getTopic().toString());
      if (topic == null
          || !topic
              .subject()
              .equals(ModelProtocol.APP_ID + "/GET/" + ModelProtocol.RESOURCE_MODELS)) {
        return;
      }
      List<KuraPayload> payloads;
      try {
        payloads = KuraPayloadCodec.decodeMessages(message.getPayloadAsBytes(), 64 * 1024);
      } catch (MalformedPayloadException e) {
        return;
      }
      for (KuraPayload p : payloads) {
        String requestId = p.stringMetric("request.id");
        String requester = p.stringMetric("requester.client.id");
        if (requestId == null || requester == null || KuraTopic.segment(requester).isEmpty()) {
          continue;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("response.code", 200);
        m.put(ModelProtocol.CLIENT_ID, id);
        m.put(ModelProtocol.ACTIVE_NAME, MODEL_NAME);
        m.put(ModelProtocol.ACTIVE_VERSION, MODEL_VERSION);
        m.put(ModelProtocol.STATE, "IDLE");
        publish(
            KuraTopic.CONTROL_PREFIX
                + "/"
                + settings.account()
                + "/"
                + requester
                + "/"
                + ModelProtocol.APP_ID
                + "/REPLY/"
                + requestId,
            m);
        requestsAnswered.incrementAndGet();
      }
    }

    private void publish(String topic, Map<String, Object> metrics) {
      publish(topic, metrics, System.currentTimeMillis());
    }

    private void publish(String topic, Map<String, Object> metrics, long timestamp) {
      byte[] payload = KuraPayloadCodec.encode(new KuraPayload(timestamp, null, metrics, null));
      client
          .publishWith()
          .topic(topic)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(payload)
          .send()
          .whenComplete(
              (r, error) -> {
                if (error == null) {
                  published.incrementAndGet();
                } else {
                  publishFailures.incrementAndGet();
                }
              });
    }

    java.util.concurrent.CompletableFuture<?> stop() {
      up = false;
      if (!client.getState().isConnected()) {
        return client.disconnect().exceptionally(e -> null);
      }
      byte[] dc =
          KuraPayloadCodec.encode(
              new KuraPayload(System.currentTimeMillis(), null, Map.of(), null));
      return client
          .publishWith()
          .topic(KuraTopic.control(settings.account(), id, KuraTopic.Kind.DISCONNECT).topic())
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(dc)
          .send()
          .thenCompose(r -> client.disconnect())
          .exceptionally(e -> null);
    }
  }

  static String drawState(SplittableRandom random) {
    double x = random.nextDouble();
    for (Map.Entry<String, Double> e : STATE_SPREAD.entrySet()) {
      x -= e.getValue();
      if (x < 0) {
        return e.getKey();
      }
    }
    return "OK";
  }

  private static int pick(SplittableRandom random, double[] shares) {
    double x = random.nextDouble();
    for (int i = 0; i < shares.length; i++) {
      x -= shares[i];
      if (x < 0) {
        return i;
      }
    }
    return shares.length - 1;
  }

  private static Map<String, Double> spread() {
    Map<String, Double> m = new LinkedHashMap<>();
    // Assumed, not measured: a selection of public cameras of which about one in five waits for
    // repair.
    m.put("NO_SIGNAL", 0.06);
    m.put("BLACK", 0.03);
    m.put("BLURRED", 0.03);
    m.put("OBSTRUCTED", 0.02);
    m.put("MOVED", 0.02);
    m.put("FROZEN", 0.02);
    m.put("LOW_FPS", 0.02);
    m.put("OK", 0.80);
    return m;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    List<java.util.concurrent.CompletableFuture<?>> stops = new ArrayList<>();
    for (Agent a : agents) {
      stops.add(a.stop());
    }
    try {
      java.util.concurrent.CompletableFuture.allOf(
              stops.toArray(new java.util.concurrent.CompletableFuture[0]))
          .get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      // what did not stop in a minute is dropped with the process
    }
  }
}
