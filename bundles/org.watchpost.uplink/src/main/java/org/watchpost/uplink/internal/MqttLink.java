package org.watchpost.uplink.internal;

/**
 * One live MQTT connection, whichever protocol version it speaks. Publishes are QoS 1; the callback runs
 * once, on a client thread, when the PUBACK arrives or the publish fails.
 */
interface MqttLink {

  /** Called once per publish: {@code error} is null on PUBACK. */
  interface PublishCallback {
    void done(Throwable error);
  }

  /** "5" or "3.1.1". */
  String protocol();

  /**
   * Bytes of the PUBLISH packet that {@link #publish} will write for this topic and payload, header included.
   * Call it right before that publish: with MQTT 5 topic aliases the answer depends on what was sent before.
   */
  int publishPacketBytes(String topic, int payloadLength);

  /** Publishes the broker accepts awaiting PUBACK at once (its Receive Maximum in MQTT 5). */
  int maxInflight();

  /** Bytes of the broker's PUBACK. */
  int pubAckBytes();

  /** Bytes of one PINGREQ and PINGRESP together. */
  default int pingBytes() {
    return 4;
  }

  void publish(String topic, byte[] payload, PublishCallback callback) throws LinkException;

  /** Publishes the disconnect certificate, waits for its PUBACK, then sends DISCONNECT (no last will). */
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
