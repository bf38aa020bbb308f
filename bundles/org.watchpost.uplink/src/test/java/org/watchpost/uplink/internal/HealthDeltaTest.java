// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.remote.Request;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * Health reports by exception: a receiver that applies every report in order holds exactly the full
 * state, whatever changes, appears or disappears; a full report every N and after
 * HEALTH-V1/GET/full.
 */
class HealthDeltaTest {

  private static Map<String, Object> randomReport(Random random) {
    Map<String, Object> m = new TreeMap<>();
    m.put("fps", (double) (10 + random.nextInt(3)));
    m.put("state", random.nextInt(10) == 0 ? "DEGRADED" : "OK");
    m.put("uptime_s", (long) random.nextInt(5));
    for (int i = 0; i < 8; i++) {
      if (random.nextInt(4) != 0) {
        m.put("m" + i, (long) random.nextInt(3));
      }
    }
    return m;
  }

  @Test
  void aReceiverApplyingDeltasHoldsTheFullStateAndFullReportsComeEveryN() throws Exception {
    HealthDeltas deltas = new HealthDeltas(5);
    Random random = new Random(17);
    Map<String, Object> rebuilt = new TreeMap<>();
    int fullBytes = 0;
    int sentBytes = 0;
    for (int i = 0; i < 200; i++) {
      Map<String, Object> state = randomReport(random);
      Map<String, Object> sent = deltas.next("device", state);
      assertEquals(i % 5 == 0, Boolean.TRUE.equals(sent.get(HealthDeltas.FULL)), "report " + i);
      // Through the real codec, as a receiver gets it.
      Map<String, Object> wire =
          new LinkedHashMap<>(
              KuraPayloadCodec.decode(
                      KuraPayloadCodec.encode(new KuraPayload(0L, null, sent, null)))
                  .metrics());
      rebuilt = HealthDeltas.apply(rebuilt, wire);
      assertEquals(state, rebuilt, "report " + i);
      fullBytes += KuraPayloadCodec.encode(new KuraPayload(0L, null, state, null)).length;
      sentBytes += KuraPayloadCodec.encode(new KuraPayload(0L, null, sent, null)).length;
    }
    System.out.printf(
        "health: 200 random reports %d B in full, %d B by exception (full every 5)%n",
        fullBytes, sentBytes);
    assertTrue(sentBytes < fullBytes);

    Map<String, Object> same = Map.of("a", 1L, "b", "x");
    HealthDeltas quiet = new HealthDeltas(10);
    quiet.next("cam-1", same);
    assertEquals(
        Map.of(HealthDeltas.DELTA, 1),
        quiet.next("cam-1", same),
        "nothing changed: the marker alone");
    quiet.requestFull();
    assertEquals(true, quiet.next("cam-1", same).get(HealthDeltas.FULL), "full after a request");
    assertNull(quiet.next("cam-1", Map.of("a", 1L)).get(HealthDeltas.FULL));
  }

  @Test
  void getFullOverMosquittoAnswersTheWholeStateAndTheNextReportIsFull() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-health-delta");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url());
        UplinkEngine engine =
            new UplinkEngine(
                Samples.config(
                    broker.url(), dir.resolve("outbox.db"), Map.of("health_full_every", 100)))) {
      assertTrue(receiver.await(engine::connected, 10_000));
      String topic = "acme/box-7/wp/health/cam-1";
      engine.report(
          new HealthReport("cam-1", Samples.T0, Map.of("fps", 10.0, "state", "OK", "drops", 0L)));
      engine.report(
          new HealthReport(
              "cam-1", Samples.T0 + 1, Map.of("fps", 12.0, "state", "OK", "drops", 0L)));
      assertTrue(
          receiver.await(
              () -> receiver.arrivals(a -> a.topic().equals(topic)).size() == 2, 10_000));
      KuraPayload delta = receiver.arrivals(a -> a.topic().equals(topic)).get(1).payload();
      assertEquals(Map.of("seq", delta.metric("seq"), "delta", 1, "fps", 12.0), delta.metrics());

      MqttClient console = new MqttClient(broker.url(), "console", new MemoryPersistence());
      console.connect(new MqttConnectOptions());
      Map<String, Object> request = new LinkedHashMap<>();
      request.put(Request.REQUEST_ID, "9");
      request.put(Request.REQUESTER_CLIENT_ID, "console");
      console.publish(
          "$EDC/acme/box-7/HEALTH-V1/GET/full/cam-1",
          KuraPayloadCodec.encode(new KuraPayload(Samples.T0, null, request, null)),
          1,
          false);
      assertTrue(
          receiver.await(
              () ->
                  !receiver
                      .arrivals(a -> a.topic().equals("$EDC/acme/console/HEALTH-V1/REPLY/9"))
                      .isEmpty(),
              10_000));
      KuraPayload reply =
          receiver
              .arrivals(a -> a.topic().equals("$EDC/acme/console/HEALTH-V1/REPLY/9"))
              .get(0)
              .payload();
      assertEquals(200, reply.longMetric("response.code"));
      assertEquals(12.0, reply.metric("fps"));
      assertEquals("OK", reply.metric("state"));
      assertEquals(0L, reply.metric("drops"));

      engine.report(
          new HealthReport(
              "cam-1", Samples.T0 + 2, Map.of("fps", 12.0, "state", "OK", "drops", 0L)));
      assertTrue(
          receiver.await(
              () -> receiver.arrivals(a -> a.topic().equals(topic)).size() == 3, 10_000));
      List<Receiver.Arrival> reports = receiver.arrivals(a -> a.topic().equals(topic));
      assertEquals(
          true, reports.get(2).payload().metric("full"), "the report after GET/full is full");
      Map<String, Object> rebuilt = new TreeMap<>();
      for (Receiver.Arrival a : reports) {
        rebuilt = HealthDeltas.apply(rebuilt, a.payload().metrics());
      }
      assertEquals(Map.of("fps", 12.0, "state", "OK", "drops", 0L), rebuilt);
      assertFalse(
          reports.get(1).payload().metrics().containsKey("state"), "unchanged metrics stay home");
      console.disconnect();
      console.close();
    }
  }
}
