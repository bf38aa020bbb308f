// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.ThrottlingProxy;

/**
 * Bytes on the wire for line-crossing events, counted packet by packet at a proxy between the
 * device and a real broker: one event alone (MQTT 5 with and without its topic alias, MQTT 3.1.1),
 * and a backlog sent in batches.
 */
class WireSizeTest {

  // Issue 17's goals for the compact profile (the default): a line crossing in at most 120 B with
  // the topic
  // alias on MQTT 5 and 140 B on 3.1.1 (the README's figures: 108 B and 129 B). Batches: 14.3 B per
  // event in
  // batches of 50, with a margin of about 5% for the gzip lengths that move with the values.
  static final int MAX_EVENT_WITH_ALIAS = 120;
  static final int MAX_EVENT_MQTT311 = 140;
  static final double MAX_BYTES_PER_BATCHED_EVENT = 15.0;

  private static int lastPublish(ThrottlingProxy proxy) {
    List<ThrottlingProxy.Packet> publishes =
        proxy.upPackets().stream().filter(p -> p.type() == 3).toList();
    return publishes.get(publishes.size() - 1).bytes();
  }

  private static int[] singleEventSizes(String brokerUrl, int brokerPort, Path dir)
      throws Exception {
    try (ThrottlingProxy proxy = new ThrottlingProxy(brokerPort, 0);
        Receiver receiver = new Receiver(brokerUrl)) {
      UplinkEngine engine =
          new UplinkEngine(Samples.config(proxy.url(), dir.resolve("outbox.db"), Map.of()));
      try {
        assertTrue(
            receiver.await(
                () -> receiver.arrivals(a -> a.topic().endsWith("BIRTH")).size() == 1, 10_000));
        engine.publish(Samples.lineCrossing("gate", 17, Samples.T0));
        assertTrue(receiver.await(() -> receiver.bySeq().size() == 1, 10_000));
        int first = lastPublish(proxy);
        engine.publish(Samples.lineCrossing("gate", 18, Samples.T0 + 4_000));
        assertTrue(receiver.await(() -> receiver.bySeq().size() == 2, 10_000));
        int second = lastPublish(proxy);
        return new int[] {
          first, second, receiver.bySeq().values().iterator().next().payload().toString().length()
        };
      } finally {
        engine.close();
      }
    }
  }

  @Test
  void oneLineCrossingAloneAndInABatch() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-wire");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"))) {
      int[] mqtt5 = singleEventSizes(broker.url(), broker.port(), dir.resolve("single5"));
      assertTrue(
          mqtt5[1] < mqtt5[0],
          "the topic alias makes the second publish smaller: " + mqtt5[0] + " then " + mqtt5[1]);
      // The whole topic, and a byte of the remaining length when the alias takes the packet under
      // 128 B.
      int topic = "acme/box-7/wp/events/gate".length();
      int saved = mqtt5[0] - mqtt5[1];
      assertTrue(saved == topic || saved == topic + 1, "the alias saves the whole topic: " + saved);
      assertTrue(
          mqtt5[1] <= MAX_EVENT_WITH_ALIAS, "one line crossing with its alias: " + mqtt5[1] + " B");

      // A backlog of 200 events stored while the link was down goes out in batches when it comes
      // back.
      int port = Mosquitto.freePort();
      try (Receiver receiver = new Receiver(broker.url())) {
        UplinkEngine engine =
            new UplinkEngine(
                Samples.config(
                    "tcp://127.0.0.1:" + port,
                    dir.resolve("batch").resolve("outbox.db"),
                    Map.of("batch_max", 50)));
        try {
          for (int i = 0; i < 200; i++) {
            engine.publish(Samples.lineCrossing("gate", 100 + i, Samples.T0 + i * 1_700L));
          }
          assertTrue(
              UplinkOverMosquittoTest.awaitTrue(() -> engine.outbox().depth() == 200, 10_000));
          try (ThrottlingProxy proxy = new ThrottlingProxy(port, broker.port(), 0)) {
            assertTrue(receiver.await(() -> receiver.bySeq().size() == 200, 15_000));
            List<ThrottlingProxy.Packet> eventPublishes =
                proxy.upPackets().stream().filter(p -> p.type() == 3).skip(1).toList();
            int total = eventPublishes.stream().mapToInt(ThrottlingProxy.Packet::bytes).sum();
            System.out.printf(
                "wire: one line crossing over MQTT 5 %d B with its topic, %d B with the alias; "
                    + "200 in %d batches %d B = %.1f B per event%n",
                mqtt5[0], mqtt5[1], eventPublishes.size(), total, total / 200.0);
            assertEquals(4, eventPublishes.size(), "200 events in batches of 50");
            assertTrue(
                total / 200.0 < mqtt5[1] / 2.0, "batching at least halves the bytes per event");
            assertTrue(
                total / 200.0 <= MAX_BYTES_PER_BATCHED_EVENT,
                "bytes per event in batches: " + total / 200.0);
          }
        } finally {
          engine.close();
        }
      }
    }
  }

  @Test
  void oneLineCrossingOverMqtt311() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-wire311");
    int port = Mosquitto.freePort();
    io.moquette.broker.Server moquette = new io.moquette.broker.Server();
    Properties properties = new Properties();
    properties.setProperty("host", "127.0.0.1");
    properties.setProperty("port", String.valueOf(port));
    properties.setProperty("websocket_port", "disabled");
    properties.setProperty("allow_anonymous", "true");
    properties.setProperty("persistence_enabled", "false");
    properties.setProperty("data_path", dir.resolve("moquette").toString());
    properties.setProperty("telemetry_enabled", "false");
    moquette.startServer(properties);
    try {
      int[] mqtt311 = singleEventSizes("tcp://127.0.0.1:" + port, port, dir);
      System.out.printf("wire: one line crossing over MQTT 3.1.1 %d B%n", mqtt311[1]);
      assertEquals(mqtt311[0], mqtt311[1], "no aliases in 3.1.1");
      assertTrue(mqtt311[1] <= MAX_EVENT_MQTT311, "one line crossing on MQTT 3.1.1: " + mqtt311[1]);
    } finally {
      moquette.stopServer();
    }
  }
}
