// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.NormalizedBox;
import org.watchpost.api.event.Priority;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;
import org.watchpost.uplink.internal.UplinkConfig;
import org.watchpost.uplink.internal.UplinkEngine;

class EmbeddedBrokerAndMonitorTest {

  private static boolean await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 15_000;
    while (System.currentTimeMillis() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  private static Set<String> filesHere() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("."))) {
      return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  @Test
  void theMonitorDecodesPlainBatchedAndBrokenPayloadsAndCountsThemByKind() throws Exception {
    Path dir = SharedData.scratchDirectory("embedded-broker");
    Set<String> before = filesHere();
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    try (EmbeddedBroker broker = EmbeddedBroker.start(dir);
        BrokerMonitor monitor =
            BrokerMonitor.start(
                broker.url(), new PrintStream(lines, true, StandardCharsets.UTF_8))) {
      MqttClient device = new MqttClient(broker.url(), "box-7", new MemoryPersistence());
      device.connect();
      Map<String, Object> metrics = new LinkedHashMap<>();
      metrics.put("seq", 41L);
      metrics.put("type", "line_crossing");
      metrics.put("conf", 0.87f);
      byte[] single =
          KuraPayloadCodec.encode(new KuraPayload(1_764_000_000_000L, null, metrics, null));
      String events = KuraTopic.events("acme", "box-7", "gate").topic();
      device.publish(events, single, 1, false);
      List<byte[]> entries = new ArrayList<>();
      for (long seq = 42; seq < 45; seq++) {
        entries.add(
            KuraPayloadCodec.encode(
                new KuraPayload(1_764_000_000_000L + seq, null, Map.of("seq", seq), null)));
      }
      device.publish(events, KuraPayloadCodec.encodeBatch(1_764_000_001_000L, entries), 1, false);
      device.publish(
          KuraTopic.control("acme", "box-7", KuraTopic.Kind.BIRTH).topic(),
          KuraPayloadCodec.encode(new KuraPayload(1L, null, Map.of("display_name", "box-7"), null)),
          1,
          false);
      device.publish(
          KuraTopic.health("acme", "box-7", "device").topic(),
          new byte[] {(byte) 0xc2, 1, 2},
          1,
          false);
      device.disconnect();
      device.close();

      assertTrue(
          await(
              () ->
                  monitor.counts().containsKey("malformed")
                      && monitor.counts().containsKey("birth")
                      && monitor
                              .counts()
                              .getOrDefault("events", new BrokerMonitor.KindCount(0, 0, 0))
                              .payloads()
                          == 4));
      BrokerMonitor.KindCount eventCount = monitor.counts().get("events");
      assertEquals(2, eventCount.messages(), "two publishes");
      assertEquals(4, eventCount.payloads(), "one single and a batch of three");
      assertEquals(1, monitor.malformed());
      String text = lines.toString(StandardCharsets.UTF_8);
      assertTrue(
          text.contains(
              "events box-7/gate t=2025-11-24T16:00:00Z seq=41 type=line_crossing conf=0.870"),
          text);
      assertTrue(text.contains("seq=44 [batch 3/3"), text);
      assertTrue(text.contains("not a KuraPayload"), text);
      assertTrue(text.contains("birth  box-7 t="), text);
    }
    assertEquals(before, filesHere(), "the broker wrote nothing outside its directory");
  }

  @Test
  void theDeviceUplinkTalksToTheEmbeddedBrokerAndTheMonitorSeesIt() throws Exception {
    Path dir = SharedData.scratchDirectory("embedded-demo");
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("broker"));
        BrokerMonitor monitor =
            BrokerMonitor.start(
                broker.url(), new PrintStream(lines, true, StandardCharsets.UTF_8))) {
      UplinkEngine uplink =
          new UplinkEngine(
              Configs.with(
                  UplinkConfig.class,
                  Map.of(
                      "broker_url",
                      broker.url(),
                      "account",
                      "demo",
                      "client_id",
                      "vtest",
                      "outbox_path",
                      dir.resolve("outbox.db").toString(),
                      "reconnect_initial_ms",
                      100L)));
      for (int i = 0; i < 5; i++) {
        uplink.publish(
            new Event(
                "line_crossing",
                "line-1",
                "vtest",
                "person",
                i,
                0.8f,
                new NormalizedBox(0.1f, 0.2f, 0.05f, 0.1f),
                1_764_000_000_000L,
                1_764_000_000_000L + i * 100,
                Priority.EVENT,
                Map.of("direction", "in"),
                null));
      }
      assertTrue(
          await(
              () ->
                  monitor
                          .counts()
                          .getOrDefault("events", new BrokerMonitor.KindCount(0, 0, 0))
                          .payloads()
                      == 5));
      // The uplink counts a publish once the broker's acknowledgement is back, which can come after
      // the monitor
      // has the message (a clean-clone run under load read 0 here).
      assertTrue(
          await(() -> Long.valueOf(5L).equals(uplink.summary().get("events_published"))),
          "five acknowledged publishes: " + uplink.summary());
      Map<String, Object> summary = uplink.summary();
      uplink.close();
      assertTrue(await(() -> monitor.counts().containsKey("dc")));
      assertEquals(5L, summary.get("events_published"));
      assertEquals("3.1.1", summary.get("uplink_protocol"), "Moquette 0.17 speaks MQTT 3.1.1");
      assertEquals(1, monitor.counts().get("birth").messages());
      String text = lines.toString(StandardCharsets.UTF_8);
      assertTrue(text.contains("events vtest/vtest"), text);
      // The compact profile (issue 17) printed by its verbose names and values.
      assertTrue(
          text.contains("[compact] seq=")
              && text.contains("type=line_crossing rule=line-1 class=person")
              && text.contains("direction=in"),
          text);
    }
  }
}
