// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.watchpost.simulator.link.SimClock;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * A rollout seen by the centre through a real broker: the console's requests (to one device and to
 * {@code _all}), the device's replies on the console's REPLY topics (Kura's request/response
 * convention) and its own data. The device's sequence numbers run on through its replies, so a
 * reply filed under the console would show as a gap.
 */
class FleetObserverAttributionTest {
  private static final String ACCOUNT = "watchpost";
  private static final String DEVICE = "cam-1";
  private static final String CONSOLE = "rollout-console-42";

  private Mosquitto broker;
  private FleetObserver observer;
  private MqttClient sender;

  @BeforeEach
  void start() throws Exception {
    broker = Mosquitto.start(SharedData.scratchDirectory("observer-attribution").resolve("broker"));
    observer = FleetObserver.start(broker.url(), new SimClock(1));
    sender = new MqttClient(broker.url(), "sender", new MemoryPersistence());
    sender.connect();
  }

  @AfterEach
  void stop() throws Exception {
    if (sender != null) {
      sender.disconnect();
      sender.close();
    }
    if (observer != null) {
      observer.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private void publish(String topic, Map<String, Object> metrics) throws Exception {
    // One publisher at QoS 1: the broker keeps the order.
    sender.publish(
        topic,
        KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, metrics, null)),
        1,
        false);
  }

  private static Map<String, Object> metrics(Object... pairs) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      m.put((String) pairs[i], pairs[i + 1]);
    }
    return m;
  }

  private void playRollout() throws Exception {
    publish("$EDC/" + ACCOUNT + "/" + DEVICE + "/MQTT/BIRTH", metrics("next_seq", 1L));
    publish(
        ACCOUNT + "/" + DEVICE + "/wp/health/device",
        metrics("seq", 1L, "model_name", "yolox-nano"));
    // PUT package to the device; its reply names no device, only the request it answers.
    publish(
        "$EDC/" + ACCOUNT + "/" + DEVICE + "/MODEL-V1/PUT/package",
        metrics("request.id", "r1", "requester.client.id", CONSOLE, "job.id", "j1"));
    publish(
        "$EDC/" + ACCOUNT + "/" + CONSOLE + "/MODEL-V1/REPLY/r1",
        metrics("response.code", 200L, "request.id", "r1", "seq", 2L));
    // Discovery to every device; a GET reply names the answering device.
    publish(
        "$EDC/" + ACCOUNT + "/_all/MODEL-V1/GET/models",
        metrics("request.id", "r2", "requester.client.id", CONSOLE));
    publish(
        "$EDC/" + ACCOUNT + "/" + CONSOLE + "/MODEL-V1/REPLY/r2",
        metrics("response.code", 200L, "request.id", "r2", "client.id", DEVICE, "seq", 3L));
    publish(
        "$EDC/" + ACCOUNT + "/" + DEVICE + "/MODEL-V1/NOTIFY/" + CONSOLE + "/install",
        metrics("status", "DOWNLOADING", "seq", 4L));
    publish(ACCOUNT + "/" + DEVICE + "/wp/health/device", metrics("seq", 5L));
    long deadline = System.currentTimeMillis() + 20_000;
    while (observer.totalMessages() < 8 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(8, observer.totalMessages(), "the observer received the whole rollout");
  }

  @Test
  void repliesOnTheConsolesTopicCountForTheDeviceThatSentThem() throws Exception {
    playRollout();
    FleetObserver.DeviceView device = observer.device(DEVICE);
    assertEquals(5, device.maxSeq());
    assertEquals(0, device.missingSeqs(), "the device's replies to the console are not gaps");
    assertEquals(0, device.duplicates());
  }

  @Test
  void onlyDevicesAreRowsNotTheConsoleNorAll() throws Exception {
    playRollout();
    List<Object> rowIds = observer.rows().stream().map(r -> r.get("device")).toList();
    assertEquals(List.of(DEVICE), rowIds, "rows of the fleet");
    try (FleetView view = new FleetView(observer, 0)) {
      String page = view.html();
      assertTrue(page.contains("data-device=\"" + DEVICE + "\""), page);
      assertFalse(page.contains("data-device=\"" + CONSOLE + "\""), page);
      assertFalse(page.contains("data-device=\"_all\""), page);
      assertTrue(page.contains("1 of 1 devices online"), page);
      String table = view.table();
      assertFalse(table.contains(CONSOLE) || table.contains("_all"), table);
    }
  }

  @Test
  void aDeviceExpectedBeforeItSpeaksIsARow() throws Exception {
    observer.expect("cam-2");
    playRollout();
    assertEquals(
        List.of(DEVICE, "cam-2"), observer.rows().stream().map(r -> r.get("device")).toList());
  }
}
