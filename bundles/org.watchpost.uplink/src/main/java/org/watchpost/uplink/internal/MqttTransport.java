// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.function.BooleanSupplier;

/**
 * The standalone {@link Transport}: one MQTT connection of the device's own, opened by the {@link
 * ConnectionSupervisor} (which also sends BIRTH and holds the last will). Its upkeep charges the
 * keep-alive pings to the budget and subscribes for request handlers registered since the last
 * time.
 *
 * <p>Threads: made for one session and used on the send thread only; {@link #nextPingCharge} is
 * that thread's.
 */
final class MqttTransport implements Transport {
  private final MqttLink link;
  private final BandwidthGovernor governor;
  private final long perPacketBytes;
  private final long configuredMaxPacket;
  private final long keepAliveNanos;
  private final RequestIntake requests;
  private final BooleanSupplier up;
  private long nextPingCharge;

  /**
   * @param configuredMaxPacket the largest packet the configuration says the broker takes; 0 for
   *     what it said
   * @param up false once the connection is lost (the supervisor's view)
   */
  MqttTransport(
      MqttLink link,
      BandwidthGovernor governor,
      int perPacketOverhead,
      long configuredMaxPacket,
      int keepAliveSeconds,
      RequestIntake requests,
      BooleanSupplier up) {
    this.link = link;
    this.governor = governor;
    this.perPacketBytes = 2L * perPacketOverhead;
    this.configuredMaxPacket = configuredMaxPacket;
    this.keepAliveNanos = keepAliveSeconds * 1_000_000_000L;
    this.requests = requests;
    this.up = up;
    this.nextPingCharge = System.nanoTime() + keepAliveNanos;
  }

  @Override
  public String protocol() {
    return link.protocol();
  }

  @Override
  public long packetBytes(String topic, int payloadLength) {
    return link.publishPacketBytes(topic, payloadLength);
  }

  @Override
  public long sendCost(String topic, int payloadLength) {
    return link.publishPacketBytes(topic, payloadLength) + link.pubAckBytes() + perPacketBytes;
  }

  /**
   * The largest packet the broker takes: what it said on connect (MQTT 5), and what the
   * configuration says it takes (the only way to know over MQTT 3.1.1).
   */
  @Override
  public long maxPacketBytes() {
    return configuredMaxPacket > 0
        ? Math.min(configuredMaxPacket, link.maxOutgoingPacketBytes())
        : link.maxOutgoingPacketBytes();
  }

  @Override
  public int maxInflight() {
    return link.maxInflight();
  }

  @Override
  public boolean up() {
    return up.getAsBoolean();
  }

  @Override
  public void upkeep() throws InterruptedException {
    requests.subscribeNew(link);
    long now = System.nanoTime();
    if (now >= nextPingCharge) {
      governor.chargeUnavoidable(link.pingBytes() + perPacketBytes);
      nextPingCharge = now + keepAliveNanos;
    }
  }

  @Override
  public void publish(String topic, byte[] payload, Done done) throws Refused, Lost {
    try {
      link.publish(topic, payload, done::done);
    } catch (MqttLink.LinkException e) {
      if (e.getCause() instanceof IllegalArgumentException) {
        // The client refused this message itself (it cannot encode it): no reconnect would change
        // that.
        throw new Refused("the MQTT client refused it: " + e.getCause().getMessage());
      }
      throw new Lost(e.getMessage(), e);
    }
  }
}
