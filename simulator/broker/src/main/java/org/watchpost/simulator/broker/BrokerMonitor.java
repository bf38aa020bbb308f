// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.broker;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;
import org.watchpost.uplink.codec.MalformedPayloadException;

/**
 * What the centre sees: subscribes to every topic of a broker, decodes each KuraPayload (batches
 * and gzip included) with the uplink's codec, prints one readable line per payload, and counts
 * messages, payloads and bytes by topic kind.
 */
public final class BrokerMonitor implements AutoCloseable {
  /** Largest a compressed payload may inflate to before the monitor refuses it. */
  public static final int MAX_INFLATED_BYTES = 4 << 20;

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  /**
   * Counts for one topic kind: publishes, payloads in them (a batch holds several), bytes of
   * payload.
   */
  public record KindCount(long messages, long payloads, long bytes) {}

  private final MqttClient client;
  private final PrintStream out;
  private final Map<String, AtomicLong[]> counts = new TreeMap<>();
  private final AtomicLong malformed = new AtomicLong();

  private BrokerMonitor(MqttClient client, PrintStream out) {
    this.client = client;
    this.out = out;
  }

  /**
   * Connects to the broker and subscribes to {@code #} and {@code $EDC/#} (a {@code #} filter does
   * not match topics that start with {@code $}).
   *
   * @param out where the lines go; null to count only
   */
  public static BrokerMonitor start(String brokerUrl, PrintStream out) throws MqttException {
    MqttClient client =
        new MqttClient(
            brokerUrl,
            "watchpost-monitor-" + ProcessHandle.current().pid(),
            new MemoryPersistence());
    BrokerMonitor monitor = new BrokerMonitor(client, out);
    client.setCallback(
        new MqttCallback() {
          @Override
          public void connectionLost(Throwable cause) {
            monitor.print(
                "monitor: connection to "
                    + brokerUrl
                    + " lost ("
                    + cause.getMessage()
                    + "); reconnecting");
          }

          @Override
          public void messageArrived(String topic, MqttMessage message) {
            monitor.onMessage(topic, message.getPayload(), System.currentTimeMillis());
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
    return monitor;
  }

  /**
   * Decodes and counts one publish; what cannot be decoded is printed with the reason and counted.
   */
  void onMessage(String topic, byte[] wire, long arrivalMillis) {
    KuraTopic parsed = KuraTopic.parse(topic);
    String kind = parsed == null ? "foreign" : parsed.kind().key();
    List<KuraPayload> payloads;
    try {
      payloads = KuraPayloadCodec.decodeMessages(wire, MAX_INFLATED_BYTES);
    } catch (MalformedPayloadException e) {
      print(
          TIME.format(Instant.ofEpochMilli(arrivalMillis))
              + " "
              + topic
              + " not a KuraPayload ("
              + wire.length
              + " B): "
              + e.getMessage());
      malformed.incrementAndGet();
      count("malformed", 1, 0, wire.length);
      return;
    }
    // Printed before counted, so that whoever waits on the counts finds the lines written.
    for (int i = 0; i < payloads.size(); i++) {
      String batch =
          payloads.size() > 1
              ? " [batch " + (i + 1) + "/" + payloads.size() + ", " + wire.length + " B]"
              : " [" + wire.length + " B]";
      print(line(arrivalMillis, kind, parsed, topic, payloads.get(i)) + batch);
    }
    count(kind, 1, payloads.size(), wire.length);
  }

  static String line(
      long arrivalMillis, String kind, KuraTopic topic, String rawTopic, KuraPayload payload) {
    StringBuilder line =
        new StringBuilder(TIME.format(Instant.ofEpochMilli(arrivalMillis))).append(' ');
    line.append(String.format("%-6s ", kind));
    line.append(
        topic == null
            ? rawTopic
            : topic.clientId() + (topic.subject().isEmpty() ? "" : "/" + topic.subject()));
    if (payload.timestamp() != null) {
      line.append(" t=").append(Instant.ofEpochMilli(payload.timestamp()));
    }
    // A compact event is printed by its verbose names and values (EventMetrics), marked as such.
    boolean compact =
        topic != null
            && topic.kind() == KuraTopic.Kind.EVENTS
            && org.watchpost.uplink.codec.EventMetrics.isCompact(payload.metrics());
    if (compact) {
      payload = org.watchpost.uplink.codec.EventMetrics.verbose(payload);
      line.append(" [compact]");
    }
    payload
        .metrics()
        .forEach(
            (name, value) -> {
              line.append(' ').append(name).append('=');
              if (value instanceof byte[] bytes) {
                line.append(bytes.length).append('B');
              } else if (value instanceof Float f) {
                line.append(String.format(java.util.Locale.ROOT, "%.3f", f));
              } else {
                line.append(value);
              }
            });
    if (payload.body() != null) {
      line.append(" body=").append(payload.body().length).append('B');
    }
    return line.toString();
  }

  private void count(String kind, long messages, long payloads, long bytes) {
    synchronized (counts) {
      AtomicLong[] c =
          counts.computeIfAbsent(
              kind, k -> new AtomicLong[] {new AtomicLong(), new AtomicLong(), new AtomicLong()});
      c[0].addAndGet(messages);
      c[1].addAndGet(payloads);
      c[2].addAndGet(bytes);
    }
  }

  private void print(String line) {
    if (out != null) {
      synchronized (out) {
        out.println(line);
      }
    }
  }

  /**
   * Counts by topic kind ({@code events}, {@code counts}, {@code health}, {@code birth}, {@code
   * dc}, {@code lwt}, ...).
   */
  public Map<String, KindCount> counts() {
    Map<String, KindCount> snapshot = new TreeMap<>();
    synchronized (counts) {
      counts.forEach((k, c) -> snapshot.put(k, new KindCount(c[0].get(), c[1].get(), c[2].get())));
    }
    return snapshot;
  }

  /** Payloads that could not be decoded. */
  public long malformed() {
    return malformed.get();
  }

  /** JSON-compatible counts for the demo summary: kind to {messages, payloads, bytes}. */
  public Map<String, Object> summary() {
    Map<String, Object> s = new TreeMap<>();
    counts()
        .forEach(
            (k, c) ->
                s.put(
                    k,
                    Map.of(
                        "messages", c.messages(), "payloads", c.payloads(), "bytes", c.bytes())));
    return s;
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
