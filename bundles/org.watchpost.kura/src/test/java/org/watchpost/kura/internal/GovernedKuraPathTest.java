// SPDX-License-Identifier: Apache-2.0
package org.watchpost.kura.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * The uplink's governor in front of Kura's CloudPublisher: a burst of line crossings far over a
 * small budget, then two intrusions raised as alarms. Through the Kura component, as a Kura
 * publisher sees it: the alarms overtake the events still waiting, the events beyond what the
 * budget carries arrive as folded counts (none lost), every KuraMessage is one standard payload
 * with {@code kind} and {@code camera}, and what reached the publisher in any 10 s window, priced
 * as Kura's MQTT 3.1.1 session sends it, stays within the budget.
 */
@Timeout(90)
class GovernedKuraPathTest {
  static final long BUDGET_BITS = 4_800;
  static final int OVERHEAD = 40;
  static final int EVENTS = 60;
  static final long T0 = 1_700_000_000_000L;

  /** Kura's publisher as an application sees it: keeps each message and when it was given. */
  static final class Publisher implements CloudPublisher {
    record Taken(long nanos, KuraMessage message) {}

    final List<Taken> taken = new CopyOnWriteArrayList<>();
    final List<CloudConnectionListener> listeners = new CopyOnWriteArrayList<>();

    @Override
    public String publish(KuraMessage message) {
      taken.add(new Taken(System.nanoTime(), message));
      return Integer.toString(taken.size());
    }

    @Override
    public void registerCloudConnectionListener(CloudConnectionListener l) {
      listeners.add(l);
    }

    @Override
    public void unregisterCloudConnectionListener(CloudConnectionListener l) {
      listeners.remove(l);
    }

    @Override
    public void registerCloudDeliveryListener(CloudDeliveryListener l) {}

    @Override
    public void unregisterCloudDeliveryListener(CloudDeliveryListener l) {}

    List<KuraMessage> of(String kind) {
      return taken.stream()
          .map(Taken::message)
          .filter(m -> kind.equals(m.getProperties().get("kind")))
          .toList();
    }
  }

  @Test
  void alarmsGoFirstTheRestIsFoldedAndEveryWindowKeepsTheBudget() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "governed-kura"));
    Path outbox = dir.resolve("outbox-" + System.nanoTime() + ".db");
    Publisher publisher = new Publisher();
    Map<String, Object> config = new HashMap<>();
    config.put("CloudPublisher.target", "(kura.service.pid=test)");
    config.put("outbox.path", outbox.toString());
    config.put("budget.bits.per.s", BUDGET_BITS);
    config.put("per.packet.overhead.bytes", OVERHEAD);
    config.put("fold.after.s", 1);
    config.put("fold.interval.s", 1);
    config.put("account", "acme");
    config.put("client.id", "gw-1");
    KuraCloudComponent kura =
        new KuraCloudComponent(
            config, (String) null, publisher, new KuraRequestHandlerTest.Registry());
    try {
      // A crowd crossing the line: 60 events at a camera's pace of 20 a second (as vtest's
      // main-line rule reports
      // them), 12 kB on a link that carries 600 B/s; then two intrusions.
      for (int i = 0; i < EVENTS; i++) {
        kura.publish(
            new Event(
                "line_crossing",
                "main-line",
                "cam-kura",
                "person",
                i,
                0.8f,
                null,
                T0 + i * 50,
                T0 + i * 50,
                Priority.EVENT,
                Map.of("direction", i % 2 == 0 ? "in" : "out"),
                null));
        Thread.sleep(50);
      }
      for (int i = 0; i < 2; i++) {
        kura.publish(
            new Event(
                "intrusion",
                "lawn",
                "cam-kura",
                "person",
                100 + i,
                0.9f,
                null,
                T0 + 4_000 + i,
                T0 + 4_000 + i,
                Priority.ALARM,
                Map.of(),
                null));
      }
      waitFor(
          60_000,
          () ->
              publisher.of("events").stream().filter(this::isAlarm).count() == 2
                  && sent(publisher) + folded(publisher) == EVENTS);
    } finally {
      kura.deactivate();
    }

    List<KuraMessage> events = publisher.of("events");
    assertEquals(
        2,
        events.stream().filter(this::isAlarm).count(),
        "both alarms delivered: " + kinds(publisher));
    assertEquals(
        EVENTS,
        sent(publisher) + folded(publisher),
        "every line crossing sent or counted in a folded count: " + kinds(publisher));
    assertTrue(
        folded(publisher) > EVENTS / 2,
        "most of the burst folded into counts: " + kinds(publisher));
    // The alarms overtook the line crossings that were still waiting when they came.
    int firstAlarm = indexOf(publisher, m -> isAlarm(m));
    int lastCrossing =
        lastIndexOf(publisher, m -> "events".equals(m.getProperties().get("kind")) && !isAlarm(m));
    assertTrue(
        firstAlarm < lastCrossing, "an alarm went before the waiting events: " + kinds(publisher));
    for (var t : publisher.taken) {
      KuraMessage m = t.message();
      assertEquals(java.util.Set.of("kind", "camera"), m.getProperties().keySet());
      assertEquals("cam-kura", m.getProperties().get("camera"));
      assertTrue(
          m.getPayload().getTimestamp() != null && m.getPayload().getMetric("batch") == null);
    }
    // Within the budget in every 10 s window: the governor's cap holds whatever the bucket lends.
    long limit = BUDGET_BITS / 8 * 10;
    List<long[]> priced = new ArrayList<>();
    for (var t : publisher.taken) {
      priced.add(new long[] {t.nanos(), wireBytes(t.message())});
    }
    for (int i = 0; i < priced.size(); i++) {
      long sum = 0;
      for (long[] p : priced) {
        if (p[0] >= priced.get(i)[0] && p[0] < priced.get(i)[0] + 10_000_000_000L) {
          sum += p[1];
        }
      }
      assertTrue(
          sum <= limit,
          "a 10 s window from message "
              + i
              + " carried "
              + sum
              + " B, more than the budget's "
              + limit
              + " B: "
              + kinds(publisher));
    }
  }

  private boolean isAlarm(KuraMessage m) {
    return "intrusion".equals(m.getPayload().getMetric("type"));
  }

  private static long sent(Publisher p) {
    return p.of("events").stream()
        .filter(m -> "line_crossing".equals(m.getPayload().getMetric("type")))
        .count();
  }

  /** Line crossings counted in folded counts: every count metric of a message marked folded. */
  private static long folded(Publisher p) {
    long n = 0;
    for (KuraMessage m : p.of("counts")) {
      if (Boolean.TRUE.equals(m.getPayload().getMetric("folded"))) {
        for (var e : m.getPayload().metrics().entrySet()) {
          if (e.getKey().startsWith("line_crossing") && e.getValue() instanceof Long l) {
            n += l;
          }
        }
      }
    }
    return n;
  }

  /**
   * As Kura's session sends it: a QoS 1 PUBLISH of the protobuf payload, its PUBACK, the per-packet
   * overhead.
   */
  private static long wireBytes(KuraMessage m) {
    String topic =
        "acme/gw-1/wp/" + m.getProperties().get("kind") + "/" + m.getProperties().get("camera");
    Map<String, Object> metrics = new java.util.LinkedHashMap<>(m.getPayload().metrics());
    byte[] payload =
        KuraPayloadCodec.encode(
            new KuraPayload(
                m.getPayload().getTimestamp().getTime(), null, metrics, m.getPayload().getBody()));
    int remaining = 2 + topic.getBytes(StandardCharsets.UTF_8).length + 2 + payload.length;
    int header = 1 + (remaining < 128 ? 1 : remaining < 16_384 ? 2 : 3);
    return header + remaining + 4 + 2L * OVERHEAD;
  }

  private static int indexOf(Publisher p, java.util.function.Predicate<KuraMessage> f) {
    for (int i = 0; i < p.taken.size(); i++) {
      if (f.test(p.taken.get(i).message())) {
        return i;
      }
    }
    return -1;
  }

  private static int lastIndexOf(Publisher p, java.util.function.Predicate<KuraMessage> f) {
    for (int i = p.taken.size() - 1; i >= 0; i--) {
      if (f.test(p.taken.get(i).message())) {
        return i;
      }
    }
    return -1;
  }

  private static String kinds(Publisher p) {
    StringBuilder b = new StringBuilder();
    for (var t : p.taken) {
      KuraMessage m = t.message();
      Object type = m.getPayload().getMetric("type");
      b.append(m.getProperties().get("kind"))
          .append(type != null ? ":" + type : "")
          .append(Boolean.TRUE.equals(m.getPayload().getMetric("folded")) ? ":folded" : "")
          .append(' ');
    }
    return b.toString();
  }

  private static void waitFor(long millis, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }
}
