// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.function.Consumer;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** MQTT 3.1.1 through Paho, for brokers without MQTT 5. */
final class Paho3Link implements MqttLink {
  private final MqttAsyncClient client;
  private final int maxInflight;

  private Paho3Link(MqttAsyncClient client, int maxInflight) {
    this.client = client;
    this.maxInflight = maxInflight;
  }

  static Paho3Link connect(ConnectSpec spec, int maxInflight, Consumer<Throwable> connectionLost)
      throws MqttException {
    return connect(spec, maxInflight, connectionLost, Inbound.NONE);
  }

  static Paho3Link connect(
      ConnectSpec spec, int maxInflight, Consumer<Throwable> connectionLost, Inbound inbound)
      throws MqttException {
    MqttAsyncClient client =
        new MqttAsyncClient(spec.serverUri(), spec.clientId(), new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    options.setCleanSession(true);
    options.setAutomaticReconnect(false);
    options.setKeepAliveInterval(spec.keepAliveSeconds());
    options.setConnectionTimeout(spec.connectTimeoutSeconds());
    int inflight = Math.max(maxInflight, 10);
    options.setMaxInflight(inflight);
    if (spec.username() != null) {
      options.setUserName(spec.username());
    }
    if (spec.password() != null) {
      options.setPassword(
          new String(spec.password(), java.nio.charset.StandardCharsets.UTF_8).toCharArray());
    }
    if (spec.socketFactory() != null) {
      options.setSocketFactory(spec.socketFactory());
      options.setHttpsHostnameVerificationEnabled(spec.hostnameVerification());
    }
    if (spec.willTopic() != null) {
      options.setWill(spec.willTopic(), spec.willPayload(), 1, false);
    }
    client.setCallback(
        new MqttCallback() {
          @Override
          public void connectionLost(Throwable cause) {
            connectionLost.accept(cause);
          }

          @Override
          public void messageArrived(String topic, MqttMessage message) {
            inbound.arrived(topic, message.getPayload(), message.isRetained());
          }

          @Override
          public void deliveryComplete(IMqttDeliveryToken token) {
            // completion is handled per publish through its action listener
          }
        });
    try {
      client.connect(options).waitForCompletion(spec.connectTimeoutSeconds() * 1000L);
      if (!client.isConnected()) {
        throw new MqttException(MqttException.REASON_CODE_CLIENT_TIMEOUT);
      }
      return new Paho3Link(client, inflight);
    } catch (MqttException | RuntimeException e) {
      closeQuietly(client);
      throw e;
    }
  }

  @Override
  public String protocol() {
    return "3.1.1";
  }

  @Override
  public int publishPacketBytes(String topic, int payloadLength) {
    return MqttFraming.publish(MqttFraming.utf8Length(topic), payloadLength, 0, false);
  }

  @Override
  public int maxInflight() {
    return maxInflight;
  }

  @Override
  public int pubAckBytes() {
    return 4;
  }

  @Override
  public void publish(String topic, byte[] payload, PublishCallback callback) throws LinkException {
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
              callback.done(null);
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
    int[] qos = new int[filters.length];
    java.util.Arrays.fill(qos, 1);
    try {
      IMqttToken token = client.subscribe(filters, qos);
      token.waitForCompletion(timeoutMillis);
      int[] granted = token.getGrantedQos();
      if (granted != null) {
        for (int g : granted) {
          if (g == 0x80) {
            throw new LinkException(
                "broker refused the subscription to " + String.join(", ", filters), null);
          }
        }
      }
    } catch (MqttException e) {
      throw new LinkException(
          "subscribe to " + String.join(", ", filters) + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void disconnect(String topic, byte[] payload, long timeoutMillis) {
    try {
      if (topic != null && client.isConnected()) {
        client.publish(topic, payload, 1, false).waitForCompletion(timeoutMillis);
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
