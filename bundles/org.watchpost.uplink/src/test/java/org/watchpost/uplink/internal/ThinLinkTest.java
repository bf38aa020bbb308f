package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;
import org.watchpost.testing.SharedData;

/**
 * A 9,600 bit/s link (a throttling proxy) between the device and a real Mosquitto, with a budget of
 * 9,600 bit/s and no per-packet overhead configured, so that what the governor counts is exactly the MQTT
 * bytes the proxy sees.
 */
class ThinLinkTest {
  private static final long BUDGET = 9_600;

  @Test
  void bytesStayWithinBudgetInEveryWindowAndAnAlarmOvertakesTheBacklog() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-thin");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url());
        ThrottlingProxy link = new ThrottlingProxy(broker.port(), BUDGET)) {
      UplinkEngine engine = new UplinkEngine(Samples.config(link.url(), dir.resolve("outbox.db"), Map.of(
          "budget_bits_per_s", BUDGET, "per_packet_overhead_bytes", 0, "drain_on_stop_s", 0,
          "fold_after_s", 1_000)));
      try {
        assertTrue(UplinkOverMosquittoTest.awaitTrue(engine::connected, 10_000));
        // A backlog of ~40 s at this rate: incompressible bulk (snapshots) and many events.
        Random random = new Random(9);
        for (int i = 0; i < 25; i++) {
          byte[] snapshot = new byte[1_500];
          random.nextBytes(snapshot);
          engine.publish(new Event("snapshot", "snap", "gate", "", -1, 1f, null, Samples.T0 + i, Samples.T0 + i,
              Priority.BULK, Map.of(), snapshot));
        }
        for (int i = 0; i < 200; i++) {
          engine.publish(Samples.withPriority("gate", i, Priority.EVENT));
        }
        Thread.sleep(8_000);
        long raised = System.nanoTime();
        engine.publish(new Event("intrusion", "fence", "gate", "person", 99, 0.95f, null, Samples.T0, Samples.T0,
            Priority.ALARM, Map.of(), null));
        assertTrue(receiver.await(() -> !receiver.arrivals(a -> "intrusion".equals(a.payload().metric("type"))).isEmpty(),
            5_000), "the alarm arrives within 5 s behind a backlog");
        long alarmMillis = (receiver.arrivals(a -> "intrusion".equals(a.payload().metric("type"))).get(0).nanos()
            - raised) / 1_000_000;
        Thread.sleep(12_000);
        long depth = engine.outbox().depth();
        long window = link.maxWindowBytes(BandwidthGovernor.WINDOW_NANOS);
        long limit = BUDGET * 10 / 8;
        double seconds = (System.nanoTime() - link.log().get(0).nanos()) / 1e9;
        System.out.printf("thin link: alarm after %d ms; busiest 10 s window %d of %d bytes; up %d down %d bytes in"
            + " %.1f s; governor counted %d; %d still waiting%n", alarmMillis, window, limit, link.bytes(true),
            link.bytes(false), seconds, engine.governor().totalBytes(), depth);
        assertTrue(window <= limit, "busiest 10 s window " + window + " > " + limit);
        assertTrue(depth > 0, "the test ended with a backlog, so the link was kept busy");
        assertTrue(link.bytes(true) + link.bytes(false) > limit * (seconds / 10) * 0.6,
            "the budget was used, not wasted: " + (link.bytes(true) + link.bytes(false)) + " bytes in " + seconds + " s");
        assertTrue(engine.governor().totalBytes() >= link.bytes(true) + link.bytes(false),
            "the governor never counts less than the link carried");
        List<Receiver.Arrival> bulk = receiver.arrivals(a -> "snapshot".equals(a.payload().metric("type")));
        List<Receiver.Arrival> events = receiver.arrivals(a -> "line_crossing".equals(a.payload().metric("type")));
        assertEquals(200, events.size(), "every event went before any snapshot");
        assertTrue(bulk.size() < 25, "bulk waits");
      } finally {
        engine.close();
      }
    }
  }
}
