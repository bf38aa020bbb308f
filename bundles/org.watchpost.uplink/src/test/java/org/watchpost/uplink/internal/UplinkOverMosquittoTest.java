// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Priority;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.uplink.codec.KuraPayload;

class UplinkOverMosquittoTest {

  @Test
  void deliversEveryKindWithBirthFirstAndDisconnectCertificateOnStop() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-basic");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url())) {
      UplinkEngine engine =
          new UplinkEngine(Samples.config(broker.url(), dir.resolve("outbox.db"), Map.of()));
      engine.publish(Samples.lineCrossing("gate", 17, Samples.T0));
      engine.publish(
          new CountSummary(
              "gate", "line-1", Samples.T0, Samples.T0 + 60_000, Map.of("person.in", 4L)));
      engine.report(
          new HealthReport("device", Samples.T0, Map.of("cpu_temp_c", 51.5, "load", 0.7f)));
      engine.alarm(
          new HealthAlarm(
              "gate",
              CameraState.FROZEN,
              true,
              "the picture has not changed for 30 s",
              Map.of("diff", 0.0),
              Samples.T0 + 5,
              12_000));
      assertTrue(
          receiver.await(() -> receiver.bySeq().size() == 4, 10_000), "4 data messages arrive");
      assertEquals("5", engine.protocol(), "Mosquitto speaks MQTT 5");
      engine.close();
      assertTrue(
          receiver.await(
              () -> !receiver.arrivals(a -> a.topic().endsWith("/MQTT/DC")).isEmpty(), 5_000));

      List<Receiver.Arrival> all = receiver.arrivals();
      assertEquals("$EDC/acme/box-7/MQTT/BIRTH", all.get(0).topic(), "BIRTH comes first");
      KuraPayload birth = all.get(0).payload();
      for (String metric :
          List.of(
              "uptime",
              "display_name",
              "model_name",
              "serial_number",
              "firmware_version",
              "jvm_version",
              "os",
              "os_version",
              "application_ids",
              "accept_encoding")) {
        assertNotNull(birth.metric(metric), "BIRTH has " + metric);
      }
      assertEquals("gzip", birth.metric("accept_encoding"));

      Map<String, KuraPayload> byTopic = new HashMap<>();
      receiver.bySeq().values().forEach(a -> byTopic.put(a.topic(), a.payload()));
      KuraPayload event = byTopic.get("acme/box-7/wp/events/gate");
      assertEquals(Samples.T0, event.timestamp(), "the payload carries the capture time");
      assertEquals("line_crossing", event.metric("type"));
      assertEquals("in", event.metric("direction"));
      assertEquals(17L, event.metric("track"));
      assertEquals(4L, byTopic.get("acme/box-7/wp/counts/gate").metric("person.in"));
      KuraPayload health = byTopic.get("acme/box-7/wp/health/device");
      assertEquals(51.5, health.metric("cpu_temp_c"));
      assertTrue(
          health.metric("outbox_depth") instanceof Long,
          "the device report carries the outbox state");
      assertNotNull(health.metric("uplink_connected"));
      KuraPayload alarm = byTopic.get("acme/box-7/wp/health/gate");
      assertEquals("FROZEN", alarm.metric("state"));
      // The alarm outranks everything queued with it, so it has the highest seq but may arrive
      // first.
      List<Long> seqs = new ArrayList<>(receiver.bySeq().keySet());
      assertEquals(4, seqs.stream().distinct().count());
      assertTrue(
          receiver.arrivals(a -> a.topic().endsWith("/MQTT/LWT")).isEmpty(),
          "a clean stop sends no last will");
      assertTrue(receiver.malformed().isEmpty(), receiver.malformed().toString());
      Map<String, Object> summary = engine.summary();
      assertEquals(1L, summary.get("events_published"));
      assertTrue((Long) summary.get("uplink_bytes") > 0);
    }
  }

  @Test
  void brokerDownWhileEventsFlowLosesNothingAndKeepsOrderWithinEachPriority() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-outage");
    Map<Long, Priority> storedPriority = new ConcurrentHashMap<>();
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url())) {
      UplinkEngine engine =
          new UplinkEngine(
              Samples.config(broker.url(), dir.resolve("outbox.db"), Map.of("batch_max", 20)),
              stored -> stored.forEach(s -> storedPriority.put(s.seq(), s.priority())));
      Random random = new Random(4);
      Priority[] mix = {
        Priority.EVENT,
        Priority.EVENT,
        Priority.EVENT,
        Priority.COUNTS,
        Priority.HEALTH,
        Priority.BULK,
        Priority.ALARM
      };
      // 12 s of traffic at ~250 messages/s; the broker is down from 3 s to 9 s: a 10-minute outage
      // compressed
      // 100 times, with reconnect backoff capped at 1 s.
      long start = System.currentTimeMillis();
      boolean stopped = false;
      boolean restarted = false;
      Map<String, Object> duringOutage = null;
      int n = 0;
      while (System.currentTimeMillis() - start < 12_000) {
        long t = System.currentTimeMillis() - start;
        if (!stopped && t > 3_000) {
          broker.stop();
          stopped = true;
        }
        if (duringOutage == null && t > 8_000) {
          duringOutage = engine.metrics();
        }
        if (!restarted && t > 9_000) {
          broker.restart();
          restarted = true;
        }
        Priority p = mix[random.nextInt(mix.length)];
        switch (p) {
          case COUNTS ->
              engine.publish(
                  new CountSummary(
                      "cam" + (n % 2),
                      "zone-a",
                      Samples.T0 + n,
                      Samples.T0 + n + 1,
                      Map.of("person", (long) n)));
          case HEALTH ->
              engine.report(new HealthReport("cam" + (n % 2), Samples.T0 + n, Map.of("fps", 10.0)));
          default -> engine.publish(Samples.withPriority("cam" + (n % 2), n, p));
        }
        n++;
        Thread.sleep(4);
      }
      assertTrue(
          receiver.await(
              () -> receiver.bySeq().keySet().containsAll(storedPriority.keySet()), 60_000),
          () -> "missing seqs: " + missing(storedPriority.keySet(), receiver.bySeq().keySet()));
      assertEquals(
          false,
          duringOutage.get("uplink_connected"),
          "the metrics tell the outage: " + duringOutage);
      assertTrue((Long) duringOutage.get("outbox_depth") > 100, "and the backlog: " + duringOutage);
      assertTrue(
          awaitTrue(
              () ->
                  Boolean.TRUE.equals(engine.metrics().get("uplink_connected"))
                      && Long.valueOf(0).equals(engine.metrics().get("outbox_depth")),
              10_000),
          "connected again with an empty outbox: " + engine.metrics());
      engine.close();

      assertEquals(n, storedPriority.size(), "every message was stored");
      // Within each priority, first arrivals come in seq order; repeats are only ever the same seq
      // again.
      Map<Priority, Long> last = new HashMap<>();
      Map<Long, KuraPayload> firstPayload = new HashMap<>();
      int duplicates = 0;
      for (Receiver.Arrival a : receiver.arrivals()) {
        Long seq = a.seq();
        if (seq == null) {
          continue;
        }
        KuraPayload earlier = firstPayload.putIfAbsent(seq, a.payload());
        if (earlier != null) {
          assertEquals(earlier, a.payload(), "a repeat of seq " + seq + " is the same message");
          duplicates++;
          continue;
        }
        Priority p = storedPriority.get(seq);
        Long previous = last.put(p, seq);
        assertTrue(
            previous == null || previous < seq, p + ": seq " + seq + " arrived after " + previous);
      }
      System.out.printf(
          "outage test: %d messages, %d repeated, %d publishes batched, %d reconnects%n",
          n,
          duplicates,
          receiver.arrivals(Receiver.Arrival::batched).size(),
          engine.summary().get("uplink_connects"));
      assertTrue(
          (Long) engine.summary().get("uplink_connects") >= 2, "it reconnected after the outage");
      assertFalse(
          receiver.arrivals(Receiver.Arrival::batched).isEmpty(),
          "the backlog went out in batches");
    }
  }

  private static List<Long> missing(java.util.Set<Long> expected, java.util.Set<Long> got) {
    List<Long> m = new ArrayList<>(expected);
    m.removeAll(got);
    return m.size() > 20 ? m.subList(0, 20) : m;
  }

  static boolean awaitTrue(java.util.function.BooleanSupplier condition, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(20);
    }
    return condition.getAsBoolean();
  }
}
