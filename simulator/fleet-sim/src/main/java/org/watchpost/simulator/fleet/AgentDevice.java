// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.simulator.link.SimClock;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * A lightweight device for large fleets: it speaks the runtime's MQTT protocol exactly (Kura
 * topics, KuraPayload through the uplink's codec, BIRTH on every connect with {@code next_seq}, DC
 * on a clean stop, the last will, a strictly increasing {@code seq} on every data message, QoS 1,
 * priority order, a byte budget per second of scenario time) and replays recorded device traffic in
 * scenario time, looping. Its outbox is in memory: an agent stands for a device's traffic, not for
 * its crash safety (the runtime's outbox is tested for that). It runs on a shared scheduler, not
 * threads of its own, so hundreds fit on a small host.
 */
final class AgentDevice implements SimulatedDevice {
  private static final Logger LOG = LoggerFactory.getLogger(AgentDevice.class);
  private static final String ACCOUNT = "watchpost";
  private static final int MAX_INFLIGHT = 8;
  private static final int PER_PACKET_OVERHEAD = 40;
  private static final double DEVICE_REPORT_S = 60;

  private record Pending(int priority, long seq, String topic, byte[] payload) {}

  private final String id;
  private final Trace trace;
  private final SimClock clock;
  private final double durationS;
  private final double bytesPerWallSecond;

  /** The bucket holds one scenario second of budget: what may leave at once after a quiet spell. */
  private final double burstBytes;

  private final MqttAsyncClient client;
  private final MqttConnectOptions options = new MqttConnectOptions();
  private final PriorityQueue<Pending> outbox =
      new PriorityQueue<>(
          (a, b) ->
              a.priority() != b.priority()
                  ? Integer.compare(a.priority(), b.priority())
                  : Long.compare(a.seq(), b.seq()));
  private final Map<Long, Pending> inflight = new ConcurrentHashMap<>();
  private final ScheduledFuture<?> ticker;
  private final AtomicLong produced = new AtomicLong();
  private final AtomicLong eventsProduced = new AtomicLong();
  private final AtomicLong published = new AtomicLong();
  private long nextSeq = 1;
  private int cursor;
  private int pass;
  private double nextDeviceReport;
  private double tokens;
  private long lastRefillNanos = System.nanoTime();
  private long nextConnectNanos;
  private long backoffMillis;
  private volatile boolean connecting;
  private volatile long connectStartedNanos;
  private volatile boolean stopping;

  AgentDevice(
      String id,
      Trace trace,
      SimClock clock,
      double durationS,
      long budgetBitsPerS,
      String brokerUrl,
      ScheduledExecutorService scheduler)
      throws MqttException {
    this.id = id;
    this.trace = trace;
    this.clock = clock;
    this.durationS = durationS;
    this.bytesPerWallSecond =
        budgetBitsPerS <= 0 ? Double.MAX_VALUE : budgetBitsPerS / 8.0 * clock.speed();
    this.burstBytes = budgetBitsPerS <= 0 ? 1 << 20 : budgetBitsPerS / 8.0;
    this.tokens = burstBytes;
    this.client = new MqttAsyncClient(brokerUrl, id, new MemoryPersistence());
    options.setCleanSession(true);
    options.setAutomaticReconnect(false);
    options.setKeepAliveInterval(Math.max(10, (int) Math.round(300 / clock.speed())));
    options.setConnectionTimeout(Math.max(2, (int) Math.round(30 / clock.speed())));
    options.setMaxInflight(MAX_INFLIGHT * 2);
    options.setWill(
        KuraTopic.control(ACCOUNT, id, KuraTopic.Kind.LAST_WILL).topic(),
        KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, Map.of(), null)),
        1,
        false);
    client.setCallback(
        new MqttCallback() {
          @Override
          public void connectionLost(Throwable cause) {
            requeueInflight();
            scheduleReconnect();
          }

          @Override
          public void messageArrived(String topic, MqttMessage message) {}

          @Override
          public void deliveryComplete(IMqttDeliveryToken token) {}
        });
    // Agents start spread over a second, as a fleet does not boot in step.
    long offset = Math.floorMod(id.hashCode(), 1000);
    ticker = scheduler.scheduleWithFixedDelay(this::tick, offset, 50, TimeUnit.MILLISECONDS);
  }

  @Override
  public String id() {
    return id;
  }

  private synchronized void tick() {
    try {
      double now = clock.seconds();
      if (!stopping) {
        produce(now);
      }
      if (!client.isConnected()) {
        if (connecting
            && System.nanoTime() - connectStartedNanos
                > TimeUnit.SECONDS.toNanos(options.getConnectionTimeout() + 5L)) {
          // A connect that neither succeeded nor failed in time (the link took it and went silent):
          // give it up.
          abandonConnect();
        }
        if (!connecting && System.nanoTime() >= nextConnectNanos) {
          connect();
        }
        return;
      }
      send();
    } catch (RuntimeException e) {
      LOG.warn("agent {}: {}", id, e.toString());
    }
  }

  private void produce(double now) {
    double limit = Math.min(now, durationS);
    while (true) {
      Trace.Entry entry = trace.entries().get(cursor);
      double at = pass * trace.lengthSeconds() + entry.t();
      if (at > limit) {
        break;
      }
      enqueue(
          KuraTopic.parse(ACCOUNT + "/" + id + "/wp/" + entry.kind() + "/" + entry.subject())
              .topic(),
          priority(entry.priority()),
          entry.metrics(),
          at);
      if (entry.kind().equals("events")) {
        eventsProduced.incrementAndGet();
      }
      if (++cursor == trace.entries().size()) {
        cursor = 0;
        pass++;
      }
    }
    while (nextDeviceReport <= limit) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("model_name", "yolox-nano");
      m.put("model_version", "0.1.1");
      m.put("outbox_depth", (long) outbox.size());
      enqueue(
          KuraTopic.health(ACCOUNT, id, "device").topic(), priority("HEALTH"), m, nextDeviceReport);
      nextDeviceReport += DEVICE_REPORT_S;
    }
  }

  private static int priority(String name) {
    return switch (name) {
      case "ALARM" -> 0;
      case "EVENT" -> 1;
      case "COUNTS" -> 2;
      case "HEALTH" -> 3;
      default -> 4;
    };
  }

  private void enqueue(
      String topic, int priority, Map<String, Object> metrics, double scenarioSeconds) {
    Map<String, Object> m = new LinkedHashMap<>();
    long seq = nextSeq++;
    m.put("seq", seq);
    m.putAll(metrics);
    long timestamp =
        System.currentTimeMillis()
            - Math.round((clock.seconds() - scenarioSeconds) / clock.speed() * 1000);
    outbox.add(
        new Pending(
            priority,
            seq,
            topic,
            KuraPayloadCodec.encode(new KuraPayload(timestamp, null, m, null))));
    produced.incrementAndGet();
  }

  private void abandonConnect() {
    try {
      client.disconnectForcibly(0, 0, false);
    } catch (MqttException e) {
      LOG.debug("agent {}: abandoning a connect: {}", id, e.getMessage());
    }
    connecting = false;
    scheduleReconnect();
  }

  private void connect() {
    connecting = true;
    connectStartedNanos = System.nanoTime();
    try {
      client.connect(
          options,
          null,
          new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
              connecting = false;
              backoffMillis = 0;
              birth();
            }

            @Override
            public void onFailure(IMqttToken token, Throwable error) {
              connecting = false;
              scheduleReconnect();
            }
          });
    } catch (MqttException e) {
      connecting = false;
      scheduleReconnect();
    }
  }

  private synchronized void scheduleReconnect() {
    long initial = Math.max(10, Math.round(2_000 / clock.speed()));
    long max = Math.max(100, Math.round(300_000 / clock.speed()));
    backoffMillis = backoffMillis == 0 ? initial : Math.min(max, backoffMillis * 2);
    long jittered = Math.round(backoffMillis * (0.7 + 0.6 * Math.random()));
    nextConnectNanos = System.nanoTime() + jittered * 1_000_000L;
  }

  private synchronized void birth() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("display_name", "Watchpost agent " + id);
    m.put("model_name", "Watchpost simulated unit");
    m.put("serial_number", "AGENT-" + id);
    m.put("firmware_version", "0.1.0");
    m.put("application_ids", "");
    m.put("accept_encoding", "gzip");
    m.put("next_seq", nextSeq);
    m.put("outbox_depth", (long) outbox.size());
    publish(
        KuraTopic.control(ACCOUNT, id, KuraTopic.Kind.BIRTH).topic(),
        KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, m, null)),
        null);
  }

  private void send() {
    refill();
    while (inflight.size() < MAX_INFLIGHT && !outbox.isEmpty()) {
      Pending next = outbox.peek();
      double cost =
          next.payload().length + next.topic().length() + 9 + 4 + 2.0 * PER_PACKET_OVERHEAD;
      if (tokens < cost) {
        return;
      }
      tokens -= cost;
      outbox.poll();
      inflight.put(next.seq(), next);
      publish(next.topic(), next.payload(), next);
    }
  }

  private void refill() {
    long now = System.nanoTime();
    tokens = Math.min(burstBytes, tokens + (now - lastRefillNanos) / 1e9 * bytesPerWallSecond);
    lastRefillNanos = now;
  }

  private void publish(String topic, byte[] payload, Pending pending) {
    try {
      client.publish(
          topic,
          payload,
          1,
          false,
          null,
          new IMqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
              if (pending != null && inflight.remove(pending.seq()) != null) {
                published.incrementAndGet();
              }
            }

            @Override
            public void onFailure(IMqttToken token, Throwable error) {
              if (pending != null) {
                requeue(pending);
              }
            }
          });
    } catch (MqttException e) {
      if (pending != null) {
        requeue(pending);
      }
    }
  }

  private synchronized void requeue(Pending pending) {
    if (inflight.remove(pending.seq()) != null) {
      outbox.add(pending);
    }
  }

  private synchronized void requeueInflight() {
    List<Pending> back = new ArrayList<>(inflight.values());
    inflight.clear();
    outbox.addAll(back);
  }

  @Override
  public synchronized boolean finished() {
    return clock.seconds() >= durationS && outbox.isEmpty() && inflight.isEmpty();
  }

  @Override
  public void stop() {
    stopping = true;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!finished() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    ticker.cancel(false);
    synchronized (this) {
      try {
        if (client.isConnected()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("outbox_depth", (long) outbox.size());
          client
              .publish(
                  KuraTopic.control(ACCOUNT, id, KuraTopic.Kind.DISCONNECT).topic(),
                  KuraPayloadCodec.encode(
                      new KuraPayload(System.currentTimeMillis(), null, m, null)),
                  1,
                  false)
              .waitForCompletion(5_000);
          client.disconnect(2_000).waitForCompletion(3_000);
        }
      } catch (MqttException e) {
        LOG.debug("agent {}: disconnect: {}", id, e.getMessage());
      }
    }
  }

  @Override
  public synchronized Map<String, Object> ownReport() {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("events_produced", eventsProduced.get());
    report.put("messages_produced", produced.get());
    report.put("messages_acknowledged", published.get());
    report.put("outbox_depth", outbox.size() + inflight.size());
    report.put("folded_events", 0L);
    report.put("dropped", 0L);
    return report;
  }

  @Override
  public void close() {
    ticker.cancel(false);
    try {
      client.disconnectForcibly(0, 100);
      client.close(true);
    } catch (MqttException ignored) {
      // already closed
    }
  }
}
