// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * MQTT 5 through Paho. Paho assigns outgoing topic aliases by itself up to the broker's Topic Alias
 * Maximum; this class mirrors that assignment so that it can tell the governor what each PUBLISH
 * costs.
 */
final class Paho5Link implements MqttLink {
  /** Topic Alias property: identifier byte plus two-byte value. */
  private static final int ALIAS_PROPERTY_BYTES = 3;

  private final MqttAsyncClient client;
  private final int topicAliasMaximum;
  private final int receiveMaximum;
  private final long maximumPacketSize;
  private final Set<String> aliased = new HashSet<>();

  private Paho5Link(
      MqttAsyncClient client, int topicAliasMaximum, int receiveMaximum, long maximumPacketSize) {
    this.client = client;
    this.topicAliasMaximum = topicAliasMaximum;
    this.receiveMaximum = receiveMaximum;
    this.maximumPacketSize = maximumPacketSize;
  }

  /**
   * Connects, waiting at most the spec's timeout for CONNACK; the client is discarded on any
   * failure.
   */
  static Paho5Link connect(ConnectSpec spec, Consumer<Throwable> connectionLost)
      throws MqttException {
    return connect(spec, connectionLost, Inbound.NONE);
  }

  static Paho5Link connect(ConnectSpec spec, Consumer<Throwable> connectionLost, Inbound inbound)
      throws MqttException {
    MqttAsyncClient client =
        new MqttAsyncClient(spec.serverUri(), spec.clientId(), new MemoryPersistence());
    MqttConnectionOptions options = new MqttConnectionOptions();
    // The outbox is the session: nothing is left for the broker to redeliver, and the client never
    // reconnects on its own.
    options.setCleanStart(true);
    options.setAutomaticReconnect(false);
    options.setKeepAliveInterval(spec.keepAliveSeconds());
    options.setConnectionTimeout(spec.connectTimeoutSeconds());
    if (spec.username() != null) {
      options.setUserName(spec.username());
    }
    if (spec.password() != null) {
      options.setPassword(spec.password());
    }
    if (spec.maxInboundPacketBytes() > 0) {
      // The broker must not send this client anything larger (MQTT 5, 3.1.2.11.4): it drops it
      // instead, so a
      // hostile publish never reaches this JVM's heap.
      options.setMaximumPacketSize((long) spec.maxInboundPacketBytes());
    }
    if (spec.socketFactory() != null) {
      options.setSocketFactory(spec.socketFactory());
      options.setHttpsHostnameVerificationEnabled(spec.hostnameVerification());
    }
    if (spec.willTopic() != null) {
      MqttMessage will = new MqttMessage(spec.willPayload());
      will.setQos(1);
      options.setWill(spec.willTopic(), will);
    }
    client.setCallback(
        new MqttCallback() {
          @Override
          public void disconnected(MqttDisconnectResponse response) {
            connectionLost.accept(
                response.getException() != null
                    ? response.getException()
                    : new IllegalStateException(
                        "broker disconnected: reason "
                            + response.getReturnCode()
                            + (response.getReasonString() != null
                                ? " " + response.getReasonString()
                                : "")));
          }

          @Override
          public void mqttErrorOccurred(MqttException exception) {
            connectionLost.accept(exception);
          }

          @Override
          public void messageArrived(String topic, MqttMessage message) {
            inbound.arrived(topic, message.getPayload(), message.isRetained());
          }

          @Override
          public void deliveryComplete(IMqttToken token) {
            // completion is handled per publish through its action listener
          }

          @Override
          public void connectComplete(boolean reconnect, String serverUri) {
            // the connect token says it
          }

          @Override
          public void authPacketArrived(int reasonCode, MqttProperties properties) {
            // no enhanced authentication
          }
        });
    try {
      IMqttToken token = client.connect(options);
      token.waitForCompletion(spec.connectTimeoutSeconds() * 1000L);
      if (!client.isConnected()) {
        throw new MqttException(
            org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_CLIENT_TIMEOUT);
      }
      MqttProperties response = token.getResponseProperties();
      Integer aliasMax = response != null ? response.getTopicAliasMaximum() : null;
      Integer receiveMax = response != null ? response.getReceiveMaximum() : null;
      Long packetMax = response != null ? response.getMaximumPacketSize() : null;
      return new Paho5Link(
          client,
          aliasMax != null ? aliasMax : 0,
          receiveMax != null ? receiveMax : 65_535,
          packetMax != null && packetMax > 0 ? packetMax : MqttFraming.MAX_PACKET_BYTES);
    } catch (MqttException | RuntimeException e) {
      closeQuietly(client);
      throw e;
    }
  }

  @Override
  public String protocol() {
    return "5";
  }

  @Override
  public synchronized int publishPacketBytes(String topic, int payloadLength) {
    if (aliased.contains(topic)) {
      return MqttFraming.publish(0, payloadLength, ALIAS_PROPERTY_BYTES, true);
    }
    boolean getsAlias = aliased.size() < topicAliasMaximum;
    return MqttFraming.publish(
        MqttFraming.utf8Length(topic), payloadLength, getsAlias ? ALIAS_PROPERTY_BYTES : 0, true);
  }

  @Override
  public long maxOutgoingPacketBytes() {
    return maximumPacketSize;
  }

  @Override
  public int maxInflight() {
    return receiveMaximum;
  }

  @Override
  public int pubAckBytes() {
    // A success PUBACK may carry a reason code byte and a property length; count both.
    return 6;
  }

  @Override
  public void publish(String topic, byte[] payload, PublishCallback callback) throws LinkException {
    synchronized (this) {
      if (!aliased.contains(topic) && aliased.size() < topicAliasMaximum) {
        aliased.add(topic);
      }
    }
    MqttMessage message = new MqttMessage(payload);
    message.setQos(1);
    try {
      client.publish(
          topic,
          message,
          null,
          new MqttActionListener() {
            @Override
            public void onSuccess(IMqttToken token) {
              int[] codes = token.getReasonCodes();
              if (codes != null && codes.length > 0 && codes[0] >= 0x80) {
                callback.done(new BrokerRefusedException(topic, codes[0]));
              } else {
                callback.done(null);
              }
            }

            @Override
            public void onFailure(IMqttToken token, Throwable error) {
              callback.done(
                  error != null
                      ? error
                      : new IllegalStateException("publish to " + topic + " failed"));
            }
          });
    } catch (MqttException | RuntimeException e) {
      throw new LinkException("publish to " + topic + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void subscribe(String[] filters, long timeoutMillis) throws LinkException {
    // Requests are commands: a stored (retained) one must never run. Retain Handling 2: the broker
    // sends no
    // retained message at subscribe time; Retain As Published: a retained publish keeps its flag
    // when it is
    // forwarded live, so that the router can tell it and drop it. No Local: the device's own
    // notifications
    // match its MODEL-V1/# filter, and without it every one came back down the link (issue 17: the
    // chunk
    // requests' echoes also passed for part of an awaited chunk in the downlink's accounting).
    org.eclipse.paho.mqttv5.common.MqttSubscription[] subscriptions =
        new org.eclipse.paho.mqttv5.common.MqttSubscription[filters.length];
    for (int i = 0; i < filters.length; i++) {
      subscriptions[i] = new org.eclipse.paho.mqttv5.common.MqttSubscription(filters[i], 1);
      subscriptions[i].setRetainHandling(2);
      subscriptions[i].setRetainAsPublished(true);
      subscriptions[i].setNoLocal(true);
    }
    try {
      IMqttToken token = client.subscribe(subscriptions, null, null, new MqttProperties());
      token.waitForCompletion(timeoutMillis);
      int[] codes = token.getReasonCodes();
      if (codes != null) {
        for (int i = 0; i < codes.length; i++) {
          if (codes[i] >= 0x80) {
            throw new LinkException(
                "broker refused the subscription to "
                    + filters[Math.min(i, filters.length - 1)]
                    + " (reason "
                    + codes[i]
                    + ")",
                null);
          }
        }
      }
    } catch (MqttException e) {
      throw new LinkException(
          "subscribe to " + String.join(", ", filters) + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public int subscribeBytes(String[] filters) {
    // MQTT 5 adds a property length to both packets and a reason code per filter is the same size
    // as 3.1.1's.
    return MqttLink.super.subscribeBytes(filters) + 2;
  }

  @Override
  public void disconnect(String topic, byte[] payload, long timeoutMillis) {
    try {
      if (topic != null && client.isConnected()) {
        MqttMessage dc = new MqttMessage(payload);
        dc.setQos(1);
        client.publish(topic, dc).waitForCompletion(timeoutMillis);
      }
      client.disconnect(timeoutMillis).waitForCompletion(timeoutMillis);
    } catch (MqttException e) {
      // the link is going away; what could not be said is said by the last will
    }
    closeQuietly(client);
  }

  @Override
  public void closeForcibly() {
    closeQuietly(client);
  }

  private static void closeQuietly(MqttAsyncClient client) {
    try {
      client.disconnectForcibly(0, 1, false);
    } catch (MqttException | RuntimeException ignored) {
      // already down
    }
    try {
      client.close(true);
    } catch (MqttException | RuntimeException ignored) {
      // nothing left to release
    }
  }
}
