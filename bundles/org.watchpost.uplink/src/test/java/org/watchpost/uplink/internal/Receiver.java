// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.MalformedPayloadException;

/**
 * The central side in a test: a subscriber on every topic with a persistent session (so messages
 * published while it reconnects wait for it at the broker), decoding each payload with the codec.
 */
final class Receiver implements AutoCloseable {
  /** One payload as it arrived; a batch yields one per entry. */
  record Arrival(String topic, KuraPayload payload, long nanos, int wireBytes, boolean batched) {
    Long seq() {
      return payload.longMetric("seq");
    }
  }

  private static final int CONNECT_ATTEMPTS = 3;
  private final MqttClient client;
  private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
  private final List<String> malformed = new CopyOnWriteArrayList<>();

  Receiver(String url) throws MqttException {
    this(url, null, null, null);
  }

  Receiver(String url, String user, String password, javax.net.SocketFactory sockets)
      throws MqttException {
    client = new MqttClient(url, "receiver-" + System.nanoTime(), new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    if (user != null) {
      options.setUserName(user);
      options.setPassword(password.toCharArray());
    }
    if (sockets != null) {
      options.setSocketFactory(sockets);
    }
    options.setCleanSession(false);
    options.setAutomaticReconnect(true);
    options.setMaxReconnectDelay(250);
    options.setMaxInflight(1000);
    client.setCallback(
        new MqttCallbackExtended() {
          @Override
          public void connectComplete(boolean reconnect, String serverURI) {}

          @Override
          public void connectionLost(Throwable cause) {}

          @Override
          public void messageArrived(String topic, MqttMessage message) {
            long now = System.nanoTime();
            byte[] wire = message.getPayload();
            try {
              List<KuraPayload> payloads = KuraPayloadCodec.decodeMessages(wire, 1 << 22);
              for (KuraPayload p : payloads) {
                // Read as a Kura-aware consumer does: events in either profile through
                // EventMetrics' names.
                arrivals.add(
                    new Arrival(
                        topic,
                        org.watchpost.uplink.codec.EventMetrics.verbose(p),
                        now,
                        wire.length,
                        payloads.size() > 1 || KuraPayloadCodec.isGzip(wire)));
              }
            } catch (MalformedPayloadException e) {
              malformed.add(topic + ": " + e.getMessage());
            }
          }

          @Override
          public void deliveryComplete(IMqttDeliveryToken token) {}
        });
    connectAndSubscribe(options);
  }

  /**
   * Moquette 0.17 (the MQTT 3.1.1-only broker of the fallback tests) now and then closes a
   * connection it has just accepted while the session is still being set up ("SUBSCRIBE received on
   * already closed connection"); a second attempt succeeds.
   */
  private void connectAndSubscribe(MqttConnectOptions options) throws MqttException {
    RetryPolicy<Object> retry =
        RetryPolicy.builder()
            .handle(MqttException.class)
            .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(1))
            .withMaxAttempts(CONNECT_ATTEMPTS)
            .build();
    try {
      Failsafe.with(retry)
          .run(
              () -> {
                if (!client.isConnected()) {
                  client.connect(options);
                }
                client.subscribe(new String[] {"#", "$EDC/#"}, new int[] {1, 1});
              });
    } catch (FailsafeException e) {
      if (e.getCause() instanceof MqttException cause) {
        throw cause;
      }
      throw e;
    }
  }

  List<Arrival> arrivals() {
    return new ArrayList<>(arrivals);
  }

  List<Arrival> arrivals(Predicate<Arrival> filter) {
    return arrivals.stream().filter(filter).toList();
  }

  List<String> malformed() {
    return List.copyOf(malformed);
  }

  /** Data messages by seq, first arrival kept. */
  Map<Long, Arrival> bySeq() {
    Map<Long, Arrival> first = new LinkedHashMap<>();
    for (Arrival a : arrivals) {
      if (a.seq() != null) {
        first.putIfAbsent(a.seq(), a);
      }
    }
    return first;
  }

  /** Waits until the condition holds or the timeout passes; true when it holds. */
  boolean await(java.util.function.BooleanSupplier condition, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (System.nanoTime() - deadline < 0) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(50);
    }
    return condition.getAsBoolean();
  }

  @Override
  public void close() {
    try {
      client.disconnect(1000);
    } catch (MqttException ignored) {
      // the broker may be gone already
    }
    try {
      client.close(true);
    } catch (MqttException ignored) {
      // nothing left
    }
  }
}
