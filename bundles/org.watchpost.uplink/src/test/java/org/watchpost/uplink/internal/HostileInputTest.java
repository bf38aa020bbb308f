package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.Priority;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.RequestHandler;
import org.watchpost.api.remote.Response;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * Hostile input against a real Mosquitto: while the attack runs, a steady stream of events and alarms goes
 * through the engine, and every one of them must arrive at the broker (by seq), the device's memory must stay
 * bounded and the reason must show in the uplink's health metrics.
 */
class HostileInputTest {

  /** A handler like MODEL-V1's GET: answers every request. */
  static final class Answering implements RequestHandler {
    final AtomicInteger handled = new AtomicInteger();

    @Override
    public String appId() {
      return "TEST-V1";
    }

    @Override
    public Response handle(Request request) {
      handled.incrementAndGet();
      return Response.ok(Map.of("models", "m1"));
    }
  }

  static byte[] request(String requestId, String requester) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(Request.REQUEST_ID, requestId);
    m.put(Request.REQUESTER_CLIENT_ID, requester);
    return KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, m, null));
  }

  static MqttClient console(String url) throws Exception {
    MqttClient console = new MqttClient(url, "console-" + System.nanoTime(), new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setMaxInflight(1000);
    console.connect(options);
    return console;
  }

  /**
   * The device's ordinary work during an attack: events (every fifth an alarm) published through the engine at a
   * steady pace from a thread of its own, each with its number as the track id, so that the test can tell which
   * arrived and how late.
   */
  static final class SteadyStream implements AutoCloseable {
    private final UplinkEngine engine;
    private final Thread thread;
    private final java.util.List<Long> publishedNanos = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final byte[] crop;
    private volatile boolean running = true;

    SteadyStream(UplinkEngine engine, int cropBytes) {
      this.engine = engine;
      this.crop = cropBytes > 0 ? new byte[cropBytes] : null;
      thread = new Thread(this::run, "steady-stream");
      thread.start();
    }

    private void run() {
      long n = 0;
      while (running) {
        Priority p = n % 5 == 0 ? Priority.ALARM : Priority.EVENT;
        org.watchpost.api.event.Event e = Samples.withPriority("gate", n, p);
        if (crop != null) {
          e = new org.watchpost.api.event.Event(e.type(), e.ruleId(), e.cameraId(), e.className(), e.trackId(),
              e.confidence(), e.box(), e.firstSeenMillis(), e.eventTimeMillis(), p, e.attributes(), crop);
        }
        publishedNanos.add(System.nanoTime());
        engine.publish(e);
        n++;
        try {
          Thread.sleep(20);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }

    int published() {
      return publishedNanos.size();
    }

    long publishedAt(int n) {
      return publishedNanos.get(n);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(5_000);
    }
  }

  /** What the stream delivered: all of it must arrive; the figures are printed for the report. */
  static void assertAllDelivered(String attack, SteadyStream stream, Receiver receiver, long attackStart, long attackEnd)
      throws InterruptedException {
    int n = stream.published();
    assertTrue(receiver.await(() -> tracks(receiver).size() >= n, 30_000),
        attack + ": every event and alarm of the stream arrives: " + tracks(receiver).size() + " of " + n);
    Map<Long, Receiver.Arrival> byTrack = tracks(receiver);
    java.util.Set<Long> seqs = new java.util.TreeSet<>();
    long worstDuring = 0;
    long lastAfterAttackLatency = 0;
    for (int i = 0; i < n; i++) {
      Receiver.Arrival a = byTrack.get((long) i);
      assertTrue(a != null, attack + ": event " + i + " arrived");
      seqs.add(a.seq());
      long latency = a.nanos() - stream.publishedAt(i);
      if (stream.publishedAt(i) >= attackStart && stream.publishedAt(i) <= attackEnd) {
        worstDuring = Math.max(worstDuring, latency);
      }
      if (stream.publishedAt(i) > attackEnd && lastAfterAttackLatency == 0) {
        lastAfterAttackLatency = latency;
      }
    }
    // Every seq between the stream's first and last is at the broker, but for what the attack itself caused.
    long first = ((java.util.TreeSet<Long>) seqs).first();
    long last = ((java.util.TreeSet<Long>) seqs).last();
    java.util.Set<Long> atBroker = receiver.bySeq().keySet();
    long missing = 0;
    for (long seq = first; seq <= last; seq++) {
      if (!atBroker.contains(seq)) {
        missing++;
      }
    }
    System.out.printf("HOSTILE %s: %d events and alarms published, all arrived; seqs %d..%d, %d of them not at the broker;"
        + " worst delay of an event published during the attack %d ms; first event after it %d ms; attack lasted %d ms%n",
        attack, n, first, last, missing, worstDuring / 1_000_000, lastAfterAttackLatency / 1_000_000,
        (attackEnd - attackStart) / 1_000_000);
  }

  private static Map<Long, Receiver.Arrival> tracks(Receiver receiver) {
    Map<Long, Receiver.Arrival> out = new java.util.HashMap<>();
    for (Receiver.Arrival a : receiver.arrivals(a -> a.topic().equals("acme/box-7/wp/events/gate"))) {
      Long track = a.payload().longMetric("track");
      if (track != null) {
        out.putIfAbsent(track, a);
      }
    }
    return out;
  }

  /** Heap in use after a collection, in bytes. */
  static long heapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  interface Attack {
    void run() throws Exception;
  }

  /** Runs the attack while the steady stream flows (before, during and after it), then checks the stream. */
  static void underAttack(String name, UplinkEngine engine, Receiver receiver, int cropBytes, Attack attack)
      throws Exception {
    SteadyStream stream = new SteadyStream(engine, cropBytes);
    long start;
    long end;
    try {
      receiver.await(() -> stream.published() >= 25, 10_000);
      start = System.nanoTime();
      attack.run();
      end = System.nanoTime();
      int atEnd = stream.published();
      receiver.await(() -> stream.published() >= atEnd + 25, 10_000);
    } finally {
      stream.close();
    }
    assertAllDelivered(name, stream, receiver, start, end);
  }

  @Test
  void aRequesterWithAControlCharacterDoesNotStopDelivery() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-hostile-requester");
    Answering handler = new Answering();
    RequestRouter router = new RequestRouter();
    router.add(handler);
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url());
        UplinkEngine engine = new UplinkEngine(Samples.config(broker.url(), dir.resolve("outbox.db"), Map.of()),
            stored -> {}, router)) {
      assertTrue(receiver.await(engine::connected, 10_000));
      MqttClient console = console(broker.url());
      underAttack("control-character requester", engine, receiver, 0, () -> {
        console.publish("$EDC/acme/_all/TEST-V1/GET/models", request("1", "con\u0001sole"), 1, false);
        console.publish("$EDC/acme/box-7/TEST-V1/GET/models", request("2", "con\u0001sole"), 1, false);
        console.publish("$EDC/acme/box-7/TEST-V1/GET/models", request("3\u0007", "console"), 1, false);
        console.publish("$EDC/acme/box-7/TEST-V1/GET/models", request("4", "console/#"), 1, false);
        console.publish("$EDC/acme/box-7/TEST-V1/GET/models", request("5", "console"), 1, false);
        assertTrue(receiver.await(() -> !receiver.arrivals(a -> a.topic().equals("$EDC/acme/console/TEST-V1/REPLY/5"))
            .isEmpty(), 10_000), "the good request is answered");
      });
      console.disconnect();
      console.close();
      assertEquals(1L, engine.summary().get("uplink_connects"), "no reconnect loop: " + engine.summary());
      assertEquals(1, handler.handled.get(), "only the good request ran");
      assertEquals(4L, engine.metrics().get("requests_bad_reply_topic"), "refused and counted: " + engine.metrics());
      assertEquals(0L, engine.metrics().get("outbox_quarantined"));
      assertTrue(receiver.arrivals(a -> a.topic().contains("/REPLY/") && !a.topic().endsWith("/REPLY/5")).isEmpty(),
          "no reply to a refused request");
    } finally {
      router.close();
    }
  }

  /**
   * A reply with a control character in its topic that an earlier firmware stored in the outbox (issue 12: after
   * every reconnect it was sent first again, the client refused to encode it and dropped the connection) is
   * moved to quarantine on the first try, and everything behind it is delivered.
   */
  @Test
  void aStoredMessageTheClientCannotSendIsQuarantinedNotRetried() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-hostile-quarantine");
    try (Outbox old = new Outbox(dir.resolve("outbox.db"), 1 << 20)) {
      old.append(java.util.List.of(new Outbox.Draft(Priority.ALARM, "$EDC/acme/con\u0001sole/TEST-V1/REPLY/1",
          seq -> KuraPayloadCodec.encode(new KuraPayload(1L, null, Map.of("seq", seq), null)))), 1L);
    }
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url());
        UplinkEngine engine = new UplinkEngine(Samples.config(broker.url(), dir.resolve("outbox.db"), Map.of()))) {
      underAttack("stored unsendable message", engine, receiver, 0, () ->
          assertTrue(receiver.await(() -> engine.outbox().quarantined() == 1, 10_000), "quarantined"));
      assertEquals(1L, engine.metrics().get("outbox_quarantined"), engine.metrics().toString());
      assertTrue(engine.outbox().quarantineReasons().get(0).contains("U+0001"), engine.outbox().quarantineReasons().toString());
      assertEquals(1L, engine.summary().get("uplink_connects"), "no reconnect loop: " + engine.summary());
    }
  }
}
