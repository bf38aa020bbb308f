// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * The device's Kura session messages on its own MQTT connection: BIRTH when a connection is up, the
 * last will the broker publishes when it is lost, and the disconnect certificate on a clean stop.
 * Only the standalone transport has them; on Kura, Kura's cloud connection sends its own.
 *
 * <p>Threads: {@link #send} runs on the send thread; the rest builds payloads and holds no state.
 */
final class Birth {
  private final String account;
  private final String clientId;
  private final DeviceInfo device;
  private final Outbox outbox;
  private final BandwidthGovernor governor;
  private final long perPacketBytes;
  private final String configuredAppIds;
  private final BooleanSupplier running;

  Birth(
      UplinkConfig config,
      DeviceInfo device,
      Outbox outbox,
      BandwidthGovernor governor,
      BooleanSupplier running) {
    this.account = config.account();
    this.clientId = device.clientId();
    this.device = device;
    this.outbox = outbox;
    this.governor = governor;
    this.perPacketBytes = 2L * config.per_packet_overhead_bytes();
    this.configuredAppIds = config.application_ids();
    this.running = running;
  }

  /** The topic the broker publishes the last will to. */
  static String lastWillTopic(String account, String clientId) {
    return KuraTopic.control(account, clientId, KuraTopic.Kind.LAST_WILL).topic();
  }

  /** The last will: an empty payload with its time. */
  static byte[] lastWillPayload() {
    return KuraPayloadCodec.encode(
        new KuraPayload(System.currentTimeMillis(), null, Map.of(), null));
  }

  /**
   * Publishes BIRTH within the budget.
   *
   * @param appIds the application ids the device's handlers answer
   * @param delivered told (on a client thread) when the broker acknowledged it
   * @param lost told when the connection failed on the way
   */
  void send(MqttLink connected, Set<String> appIds, Runnable delivered, Consumer<String> lost)
      throws InterruptedException {
    String topic = KuraTopic.control(account, clientId, KuraTopic.Kind.BIRTH).topic();
    Map<String, Object> metrics = device.birthMetrics();
    metrics.put("next_seq", outbox.nextSeq());
    metrics.put("outbox_depth", outbox.depth());
    metrics.put("uplink_protocol", connected.protocol());
    Set<String> apps = new TreeSet<>(appIds);
    for (String configured : configuredAppIds.split(",")) {
      if (!configured.isBlank()) {
        apps.add(configured.strip());
      }
    }
    metrics.put("application_ids", String.join(",", apps));
    byte[] birth =
        KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, metrics, null));
    long cost =
        connected.publishPacketBytes(topic, birth.length)
            + connected.pubAckBytes()
            + perPacketBytes;
    governor.await(Math.min(cost, governor.largestSend()), running);
    governor.charge(cost);
    try {
      connected.publish(
          topic,
          birth,
          error -> {
            if (error == null) {
              delivered.run();
            }
          });
    } catch (MqttLink.LinkException e) {
      lost.accept(e.getMessage());
    }
  }

  /** Publishes the disconnect certificate and disconnects, so that no last will is published. */
  void disconnect(MqttLink last) {
    String dc = KuraTopic.control(account, clientId, KuraTopic.Kind.DISCONNECT).topic();
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("outbox_depth", outbox.depth());
    last.disconnect(
        dc,
        KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, metrics, null)),
        2_000);
  }
}
