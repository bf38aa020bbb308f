// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * Feeds a {@link FleetCensus} from a broker: the devices' lifecycle (BIRTH, DC, LWT), their health,
 * and the answers to one MODEL-V1 GET sent to every device of the account, so that devices online
 * since before the census are found at once rather than at their next health report.
 */
public final class CensusListener implements AutoCloseable {
  private final MqttAsyncClient client;
  private final FleetCensus census;
  private final String account;
  private final String clientId;
  private final AtomicLong messages = new AtomicLong();

  private CensusListener(
      MqttAsyncClient client, FleetCensus census, String account, String clientId) {
    this.client = client;
    this.census = census;
    this.account = account;
    this.clientId = clientId;
  }

  public static CensusListener start(
      String brokerUrl, String account, String clientId, FleetCensus census, Duration timeout)
      throws MqttException {
    MqttAsyncClient client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
    CensusListener listener = new CensusListener(client, census, account, clientId);
    client.setCallback(
        new MqttCallbackExtended() {
          @Override
          public void connectComplete(boolean reconnect, String serverUri) {
            if (reconnect) {
              listener.subscribe();
            }
          }

          @Override
          public void connectionLost(Throwable cause) {}

          @Override
          public void messageArrived(String topic, MqttMessage message) {
            listener.messages.incrementAndGet();
            census.accept(topic, message.getPayload(), System.currentTimeMillis());
          }

          @Override
          public void deliveryComplete(IMqttDeliveryToken token) {}
        });
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(true);
    options.setAutomaticReconnect(true);
    options.setMaxInflight(1000);
    options.setKeepAliveInterval(30);
    client.connect(options).waitForCompletion(timeout.toMillis());
    listener.subscribe();
    return listener;
  }

  private void subscribe() {
    String control = KuraTopic.CONTROL_PREFIX + "/" + account + "/";
    try {
      client
          .subscribe(
              new String[] {
                control + "+/MQTT/+",
                account + "/+/" + KuraTopic.APPLICATION + "/health/#",
                control + clientId + "/" + ModelProtocol.APP_ID + "/REPLY/#"
              },
              new int[] {1, 0, 1})
          .waitForCompletion(10_000);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("request.id", clientId + "-" + System.currentTimeMillis());
      m.put("requester.client.id", clientId);
      client.publish(
          control
              + ModelProtocol.EVERY_DEVICE
              + "/"
              + ModelProtocol.APP_ID
              + "/GET/"
              + ModelProtocol.RESOURCE_MODELS,
          KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, m, null)),
          1,
          false);
    } catch (MqttException e) {
      throw new IllegalStateException("the census cannot subscribe: " + e.getMessage(), e);
    }
  }

  public long messages() {
    return messages.get();
  }

  @Override
  public void close() {
    try {
      // Stop the flow first: Paho's receiver can fail on a message that arrives while it
      // disconnects.
      String control = KuraTopic.CONTROL_PREFIX + "/" + account + "/";
      client
          .unsubscribe(
              new String[] {
                control + "+/MQTT/+",
                account + "/+/" + KuraTopic.APPLICATION + "/health/#",
                control + clientId + "/" + ModelProtocol.APP_ID + "/REPLY/#"
              })
          .waitForCompletion(3_000);
    } catch (MqttException e) {
      // going away anyway
    }
    try {
      client.disconnect(2_000).waitForCompletion(3_000);
    } catch (MqttException e) {
      // going away
    }
    try {
      client.close(true);
    } catch (MqttException e) {
      // going away
    }
  }
}
