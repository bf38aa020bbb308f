// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

/**
 * One live MQTT connection, whichever protocol version it speaks. Publishes are QoS 1; the callback
 * runs once, on a client thread, when the PUBACK arrives or the publish fails.
 */
interface MqttLink {

  /** Called once per publish: {@code error} is null on PUBACK. */
  interface PublishCallback {
    void done(Throwable error);
  }

  /**
   * A message the broker delivered on a subscription; runs on a client thread and must not block.
   */
  interface Inbound {
    void arrived(String topic, byte[] payload, boolean retained);

    Inbound NONE = (topic, payload, retained) -> {};
  }

  /** "5" or "3.1.1". */
  String protocol();

  /**
   * Bytes of the PUBLISH packet that {@link #publish} will write for this topic and payload, header
   * included. Call it right before that publish: with MQTT 5 topic aliases the answer depends on
   * what was sent before.
   */
  int publishPacketBytes(String topic, int payloadLength);

  /** Publishes the broker accepts awaiting PUBACK at once (its Receive Maximum in MQTT 5). */
  int maxInflight();

  /**
   * The largest packet the broker takes (its Maximum Packet Size in MQTT 5); a larger PUBLISH would
   * end the connection. MQTT's own limit when the broker names none.
   */
  default long maxOutgoingPacketBytes() {
    return MqttFraming.MAX_PACKET_BYTES;
  }

  /** Bytes of the broker's PUBACK. */
  int pubAckBytes();

  /** Bytes of one PINGREQ and PINGRESP together. */
  default int pingBytes() {
    return 4;
  }

  void publish(String topic, byte[] payload, PublishCallback callback) throws LinkException;

  /** Subscribes at QoS 1 and waits for the SUBACK. */
  void subscribe(String[] filters, long timeoutMillis) throws LinkException;

  /** Bytes of a SUBSCRIBE for these filters and its SUBACK. */
  default int subscribeBytes(String[] filters) {
    int remaining = 2 + 1;
    for (String f : filters) {
      remaining += 2 + MqttFraming.utf8Length(f) + 1;
    }
    return MqttFraming.packet(remaining) + MqttFraming.packet(2 + 1 + filters.length);
  }

  /**
   * Publishes the disconnect certificate, waits for its PUBACK, then sends DISCONNECT (no last
   * will).
   */
  void disconnect(String topic, byte[] payload, long timeoutMillis);

  /** Drops the connection without DISCONNECT; never blocks for long. */
  void closeForcibly();

  /** A failure of the connection or the broker, with a message an operator can act on. */
  final class LinkException extends Exception {
    private static final long serialVersionUID = 1L;

    LinkException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
