// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import javax.net.SocketFactory;
import org.watchpost.api.frame.SourceUris;

/**
 * What a connection needs: where, who, how long to wait, the last will.
 *
 * @param socketFactory the TLS socket factory, kept across reconnects so TLS sessions resume; null
 *     for tcp://
 * @param username null for none
 * @param password null for none
 * @param maxInboundPacketBytes the Maximum Packet Size this client announces (MQTT 5); 0 for none
 */
record ConnectSpec(
    String serverUri,
    String clientId,
    String username,
    byte[] password,
    int keepAliveSeconds,
    int connectTimeoutSeconds,
    SocketFactory socketFactory,
    boolean hostnameVerification,
    String willTopic,
    byte[] willPayload,
    int maxInboundPacketBytes) {

  int connectPacketBytes(boolean mqtt5) {
    return MqttFraming.connect(clientId, willTopic, willPayload, username, password, mqtt5);
  }

  /**
   * The broker's URI fit for a log line or a status: a {@code user:password@} in it (Paho ignores
   * it, but an installer may still write one) never leaves the device.
   */
  String shownUri() {
    return SourceUris.redact(serverUri);
  }

  @Override
  public String toString() {
    return shownUri() + " as " + clientId + (username != null ? " (user " + username + ")" : "");
  }
}
