// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.ThrottlingProxy;

/**
 * A 9,600 bit/s link (a throttling proxy) between the device and a real Mosquitto, with a budget of
 * 9,600 bit/s and no per-packet overhead configured, so that what the governor counts is exactly
 * the MQTT bytes the proxy sees.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ThinLinkTest {
  private static final long BUDGET = 9_600;

  @Test
  void bytesStayWithinBudgetInEveryWindowAndAnAlarmOvertakesTheBacklog() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-thin");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url());
        ThrottlingProxy link = new ThrottlingProxy(broker.port(), BUDGET)) {
      UplinkEngine engine =
          new UplinkEngine(
              Samples.config(
                  link.url(),
                  dir.resolve("outbox.db"),
                  Map.of(
                      "budget_bits_per_s",
                      BUDGET,
                      "per_packet_overhead_bytes",
                      0,
                      "drain_on_stop_s",
                      0,
                      "fold_after_s",
                      1_000)));
      try {
        assertTrue(UplinkOverMosquittoTest.awaitTrue(engine::connected, 10_000));
        // A backlog of ~40 s at this rate: incompressible bulk (snapshots) and many events.
        Random random = new Random(9);
        for (int i = 0; i < 25; i++) {
          byte[] snapshot = new byte[1_500];
          random.nextBytes(snapshot);
          engine.publish(
              new Event(
                  "snapshot",
                  "snap",
                  "gate",
                  "",
                  -1,
                  1f,
                  null,
                  Samples.T0 + i,
                  Samples.T0 + i,
                  Priority.BULK,
                  Map.of(),
                  snapshot));
        }
        for (int i = 0; i < 200; i++) {
          engine.publish(Samples.withPriority("gate", i, Priority.EVENT));
        }
        // The alarm comes once the link is busy with the backlog (a quarter of the events through),
        // not after a
        // fixed time.
        assertTrue(
            receiver.await(
                () ->
                    receiver
                            .arrivals(a -> "line_crossing".equals(a.payload().metric("type")))
                            .size()
                        >= 50,
                30_000),
            "the backlog drains");
        long raised = System.nanoTime();
        engine.publish(
            new Event(
                "intrusion",
                "fence",
                "gate",
                "person",
                99,
                0.95f,
                null,
                Samples.T0,
                Samples.T0,
                Priority.ALARM,
                Map.of(),
                null));
        assertTrue(
            receiver.await(
                () ->
                    !receiver
                        .arrivals(a -> "intrusion".equals(a.payload().metric("type")))
                        .isEmpty(),
                5_000),
            "the alarm arrives within 5 s behind a backlog");
        long alarmMillis =
            (receiver.arrivals(a -> "intrusion".equals(a.payload().metric("type"))).get(0).nanos()
                    - raised)
                / 1_000_000;
        // Watched for two whole budget windows of a busy link and until the first snapshots are
        // through behind
        // every event: the windows and the order are then observed, not assumed.
        assertTrue(
            receiver.await(
                () ->
                    System.nanoTime() - link.log().get(0).nanos()
                            >= 2 * BandwidthGovernor.WINDOW_NANOS
                        && receiver
                                .arrivals(a -> "snapshot".equals(a.payload().metric("type")))
                                .size()
                            >= 2,
                90_000),
            "snapshots follow the events");
        long depth = engine.outbox().depth();
        long window = link.maxWindowBytes(BandwidthGovernor.WINDOW_NANOS);
        long limit = BUDGET * 10 / 8;
        double seconds = (System.nanoTime() - link.log().get(0).nanos()) / 1e9;
        System.out.printf(
            "thin link: alarm after %d ms; busiest 10 s window %d of %d bytes; up %d down %d bytes in"
                + " %.1f s; governor counted %d; %d still waiting%n",
            alarmMillis,
            window,
            limit,
            link.bytes(true),
            link.bytes(false),
            seconds,
            engine.governor().totalBytes(),
            depth);
        assertTrue(window <= limit, "busiest 10 s window " + window + " > " + limit);
        assertTrue(depth > 0, "the test ended with a backlog, so the link was kept busy");
        assertTrue(
            link.bytes(true) + link.bytes(false) > limit * (seconds / 10) * 0.6,
            "the budget was used, not wasted: "
                + (link.bytes(true) + link.bytes(false))
                + " bytes in "
                + seconds
                + " s");
        assertTrue(
            engine.governor().totalBytes() >= link.bytes(true) + link.bytes(false),
            "the governor never counts less than the link carried");
        List<Receiver.Arrival> bulk =
            receiver.arrivals(a -> "snapshot".equals(a.payload().metric("type")));
        List<Receiver.Arrival> events =
            receiver.arrivals(a -> "line_crossing".equals(a.payload().metric("type")));
        assertEquals(200, events.size(), "every event arrived");
        assertTrue(bulk.size() < 25, "bulk waits");
        // The order the test is named for, checked on the arrival sequence (not only the counts):
        // the last event
        // arrived before the first snapshot.
        List<Receiver.Arrival> all = receiver.arrivals();
        int lastEvent = all.lastIndexOf(events.get(events.size() - 1));
        int firstSnapshot = all.indexOf(bulk.get(0));
        assertTrue(
            lastEvent < firstSnapshot,
            "every event before any snapshot: event #"
                + lastEvent
                + " arrived after snapshot #"
                + firstSnapshot);
      } finally {
        engine.close();
      }
    }
  }

  /**
   * Issue 17: requests that each ask for a 4 kB reply (model chunks) go one by one on the
   * downlink's pace, never as one batch: five stored at once went out together (the batch's replies
   * were checked as one, with nothing awaited yet), and five chunks queued in front of every
   * acknowledgement. With no reply ever coming, two are sent (2 s of the downlink plus one reply)
   * and the third waits.
   */
  @Test
  void requestsForRepliesGoOneByOneNotAsABatch() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-thin-replies");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url())) {
      UplinkEngine engine =
          new UplinkEngine(
              Samples.config(
                  broker.url(),
                  dir.resolve("outbox.db"),
                  Map.of("budget_bits_per_s", BUDGET, "drain_on_stop_s", 0)));
      try {
        assertTrue(UplinkOverMosquittoTest.awaitTrue(engine::connected, 10_000));
        for (int i = 0; i < 5; i++) {
          assertTrue(
              engine.notify(
                  new org.watchpost.api.remote.Notification(
                      "TEST-V1",
                      "console",
                      "chunk",
                      Map.of("offset", 4_096L * i),
                      Priority.BULK,
                      4_096 + 220)));
        }
        assertTrue(
            receiver.await(
                () ->
                    receiver.arrivals(a -> a.topic().endsWith("/NOTIFY/console/chunk")).size() >= 2,
                20_000),
            "the first two go");
        // The third would go 1.6 s after the second on the pace alone; it waits for a reply that
        // never comes.
        assertTrue(
            !receiver.await(
                () ->
                    receiver.arrivals(a -> a.topic().endsWith("/NOTIFY/console/chunk")).size() > 2,
                6_000),
            "no more than two are awaited at once");
        assertEquals(2 * (4_096 + 220), engine.governor().awaitedReplyBytes());
      } finally {
        engine.close();
      }
    }
  }

  /**
   * Issue 17, measured in model-delivery-2400-9600 (the broker's arrival times of 115 chunk
   * requests and their chunks): the downlink stood idle 6.4 % of the time in 14 gaps, each after a
   * request that reached the broker 6 to 11 s after the chunk before it instead of 3.6 s, behind
   * camera health reports (336-661 B, 1-2 s each at 2,400 bit/s) sent before it. A request for a
   * reply now goes before everything but an alarm while the downlink has room for its reply; while
   * it has none, it holds back nothing behind it. Checked on the order of arrival, not on times.
   */
  @Test
  void aRequestForAReplyGoesBeforeTheBacklogAndHoldsNothingBackWhileItWaits() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-thin-request-first");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url())) {
      UplinkEngine engine =
          new UplinkEngine(
              Samples.config(
                  broker.url(),
                  dir.resolve("outbox.db"),
                  Map.of(
                      "budget_bits_per_s",
                      2_400L,
                      "downlink_budget_bits_per_s",
                      9_600L,
                      "drain_on_stop_s",
                      0,
                      "fold_after_s",
                      1_000)));
      try {
        assertTrue(UplinkOverMosquittoTest.awaitTrue(engine::connected, 10_000));
        // About 2 s each at 2,400 bit/s: 16 s of health reports stored before the request.
        Random random = new Random(17);
        for (int i = 0; i < 8; i++) {
          byte[] body = new byte[500];
          random.nextBytes(body);
          engine.publish(
              new Event(
                  "camera_health",
                  "health",
                  "gate",
                  "",
                  -1,
                  1f,
                  null,
                  Samples.T0 + i,
                  Samples.T0 + i,
                  Priority.HEALTH,
                  Map.of(),
                  body));
        }
        java.util.function.Predicate<Receiver.Arrival> chunk =
            a -> a.topic().endsWith("/NOTIFY/console/chunk");
        java.util.function.Predicate<Receiver.Arrival> health =
            a -> "camera_health".equals(a.payload().metric("type"));
        assertTrue(
            engine.notify(
                new org.watchpost.api.remote.Notification(
                    "TEST-V1",
                    "console",
                    "chunk",
                    Map.of("offset", 0L),
                    Priority.BULK,
                    4_096 + 220)));
        assertTrue(
            receiver.await(() -> !receiver.arrivals(chunk).isEmpty(), 30_000), "the request went");
        List<Receiver.Arrival> all = receiver.arrivals();
        int before =
            (int)
                all.subList(0, all.indexOf(receiver.arrivals(chunk).get(0))).stream()
                    .filter(health)
                    .count();
        assertTrue(
            before <= 2,
            before
                + " of the 8 health reports stored before the request went before it (at most"
                + " the one on the wire and the one the budget had allowed)");

        // No chunk ever comes: a second request is allowed (2 s of the downlink plus one reply), a
        // third waits for
        // room, and events stored after it go meanwhile.
        for (int i = 1; i <= 2; i++) {
          assertTrue(
              engine.notify(
                  new org.watchpost.api.remote.Notification(
                      "TEST-V1",
                      "console",
                      "chunk",
                      Map.of("offset", 4_096L * i),
                      Priority.EVENT,
                      4_096 + 220)));
        }
        for (int i = 0; i < 3; i++) {
          engine.publish(Samples.withPriority("gate", i, Priority.EVENT));
        }
        java.util.function.Predicate<Receiver.Arrival> event =
            a -> "line_crossing".equals(a.payload().metric("type"));
        assertTrue(
            receiver.await(
                () -> receiver.arrivals(event).size() == 3 && receiver.arrivals(chunk).size() == 2,
                30_000),
            "the events stored after a request waiting for room went: "
                + receiver.arrivals(event).size());
        assertEquals(
            2,
            receiver.arrivals(chunk).size(),
            "the third request still waits for room on the downlink");
        assertEquals(2 * (4_096 + 220), engine.governor().awaitedReplyBytes());
      } finally {
        engine.close();
      }
    }
  }

  @Test
  void overBudgetEventsOfARuleAreFoldedIntoCounts() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-fold");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url())) {
      UplinkEngine engine =
          new UplinkEngine(
              Samples.config(
                  broker.url(),
                  dir.resolve("outbox.db"),
                  Map.of(
                      "budget_bits_per_s",
                      4_800L,
                      "batch_max",
                      1,
                      "fold_after_s",
                      2,
                      "fold_interval_s",
                      1)));
      try {
        // 40 events at once: about 10 s of budget waiting, over the 2 s allowed.
        for (int i = 0; i < 40; i++) {
          engine.publish(Samples.lineCrossing("gate", i, Samples.T0 + i * 100L));
        }
        assertTrue(UplinkOverMosquittoTest.awaitTrue(engine::folding, 5_000), "folding starts");
        for (int i = 0; i < 60; i++) {
          engine.publish(Samples.lineCrossing("gate", 1_000 + i, Samples.T0 + 10_000 + i * 10L));
        }
        engine.publish(
            new Event(
                "intrusion",
                "fence",
                "gate",
                "person",
                7,
                0.9f,
                null,
                Samples.T0,
                Samples.T0,
                Priority.ALARM,
                Map.of(),
                null));
        long folded = (Long) engine.summary().get("folded_events");
        assertEquals(60, folded, "events below alarm are folded, the alarm is not");
        assertTrue(
            receiver.await(
                () ->
                    receiver
                            .arrivals(a -> Boolean.TRUE.equals(a.payload().metric("folded")))
                            .stream()
                            .mapToLong(a -> a.payload().longMetric("line_crossing.person.in"))
                            .sum()
                        == 60,
                40_000),
            "the folded counts arrive and add up");
        Receiver.Arrival counts =
            receiver.arrivals(a -> Boolean.TRUE.equals(a.payload().metric("folded"))).get(0);
        assertEquals("acme/box-7/wp/counts/gate", counts.topic());
        assertEquals("line-1", counts.payload().metric("rule"));
        assertEquals(
            Samples.T0 + 10_000 + 59 * 10L,
            counts.payload().timestamp(),
            "up to the last folded event");
        assertTrue(
            receiver.await(
                () ->
                    !receiver
                        .arrivals(a -> "intrusion".equals(a.payload().metric("type")))
                        .isEmpty(),
                5_000),
            "the alarm went out on its own");
        assertTrue(
            UplinkOverMosquittoTest.awaitTrue(() -> !engine.folding(), 30_000),
            "folding ends with the backlog");
      } finally {
        engine.close();
      }
    }
  }
}
