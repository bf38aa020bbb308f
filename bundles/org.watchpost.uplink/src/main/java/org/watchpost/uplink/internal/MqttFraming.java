// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.nio.charset.StandardCharsets;

/** Sizes of MQTT control packets, from the MQTT 3.1.1 and 5 specifications. */
final class MqttFraming {
  private MqttFraming() {}

  /**
   * MQTT's own bound on a packet: the largest remaining length (268,435,455) plus a 5-byte fixed
   * header.
   */
  static final long MAX_PACKET_BYTES = 268_435_460L;

  static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Bytes of the variable byte integer that carries {@code value}. */
  static int varIntLength(int value) {
    if (value < 128) {
      return 1;
    }
    if (value < 16_384) {
      return 2;
    }
    if (value < 2_097_152) {
      return 3;
    }
    return 4;
  }

  /** A whole packet from the length of what follows its fixed header. */
  static int packet(int remainingLength) {
    return 1 + varIntLength(remainingLength) + remainingLength;
  }

  /** A QoS 1 PUBLISH; {@code topicBytes} is 0 when an MQTT 5 topic alias stands for the topic. */
  static int publish(int topicBytes, int payloadLength, int propertyBytes, boolean mqtt5) {
    int remaining = 2 + topicBytes + 2 + payloadLength;
    if (mqtt5) {
      remaining += varIntLength(propertyBytes) + propertyBytes;
    }
    return packet(remaining);
  }

  /** CONNECT, with the optional parts present or not (null). */
  static int connect(
      String clientId,
      String willTopic,
      byte[] willPayload,
      String user,
      byte[] password,
      boolean mqtt5) {
    int remaining = 10 + (mqtt5 ? 1 : 0) + 2 + utf8Length(clientId);
    if (willTopic != null) {
      remaining += (mqtt5 ? 1 : 0) + 2 + utf8Length(willTopic) + 2 + willPayload.length;
    }
    if (user != null) {
      remaining += 2 + utf8Length(user);
    }
    if (password != null) {
      remaining += 2 + password.length;
    }
    return packet(remaining);
  }

  /** CONNACK as a broker sends it: 4 bytes in 3.1.1; in 5 with properties, which this bounds. */
  static int connAckBound(boolean mqtt5) {
    return mqtt5 ? 48 : 4;
  }
}
