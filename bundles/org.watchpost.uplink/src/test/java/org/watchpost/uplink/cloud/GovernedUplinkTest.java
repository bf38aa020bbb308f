// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;
import org.watchpost.uplink.codec.KuraPayload;

/**
 * The governed uplink in front of a cloud connection that fails: what the cloud did not take stays
 * in the outbox and goes once it takes again, in order, nothing lost or doubled; while the
 * connection is down nothing is handed over; a configuration the uplink refuses is refused by name.
 * The transport is a recording one that injects the failures.
 */
@Timeout(60)
class GovernedUplinkTest {

  static class Cloud implements CloudTransport {
    final List<KuraPayload> taken = new CopyOnWriteArrayList<>();
    final List<String> subjects = new CopyOnWriteArrayList<>();
    final AtomicInteger failNext = new AtomicInteger();
    volatile boolean up = true;
    volatile int handedWhileDown;

    @Override
    public boolean up() {
      return up;
    }

    @Override
    public void publish(String kind, String subject, KuraPayload payload) throws Exception {
      if (!up) {
        handedWhileDown++;
      }
      if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new Exception("store full (injected)");
      }
      taken.add(payload);
      subjects.add(kind + "/" + subject);
    }
  }

  private static Map<String, Object> config(String name) throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "governed-uplink"));
    Map<String, Object> c = new HashMap<>();
    c.put("outbox.path", dir.resolve(name + "-" + System.nanoTime() + ".db").toString());
    c.put("reconnect.initial.ms", "50");
    c.put("batch.max", 1);
    c.put("payload.profile", "verbose");
    return c;
  }

  private static Event crossing(int n) {
    return new Event(
        "line_crossing",
        "main-line",
        "cam-1",
        "person",
        n,
        0.8f,
        null,
        1_000L + n,
        1_000L + n,
        Priority.EVENT,
        Map.of("direction", "in"),
        null);
  }

  @Test
  void whatTheCloudRefusedIsSentAgainInOrderAndNothingGoesWhileItIsDown() throws Exception {
    Cloud cloud = new Cloud();
    cloud.up = false;
    try (GovernedUplink uplink = GovernedUplink.start(config("retry"), cloud)) {
      for (int i = 0; i < 5; i++) {
        uplink.publish(crossing(i));
      }
      waitFor(() -> (long) uplink.metrics().get("outbox_depth") == 5);
      assertEquals(0, cloud.taken.size(), "nothing handed over while the connection is down");
      cloud.failNext.set(3);
      cloud.up = true;
      for (int i = 5; i < 10; i++) {
        uplink.publish(crossing(i));
      }
      waitFor(() -> cloud.taken.size() == 10);
      uplink.settle(5_000);
    }
    List<Long> tracks = new ArrayList<>();
    cloud.taken.forEach(p -> tracks.add(p.longMetric("track")));
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), tracks, "each once, in order");
    assertEquals(0, cloud.handedWhileDown);
    assertTrue(cloud.subjects.stream().allMatch("events/cam-1"::equals), cloud.subjects.toString());
    assertEquals("line_crossing", cloud.taken.get(0).stringMetric("type"));
  }

  /**
   * A notification goes to the transport's notify with its app id, requester and resource, its
   * metrics as they are; a transport that carries none (the default method) refuses it, it is
   * quarantined, and what comes after still goes.
   */
  @Test
  void notificationsGoToTheTransportsNotifyAndAConnectionWithoutThemRefusesThem() throws Exception {
    List<String> notified = new CopyOnWriteArrayList<>();
    Cloud carrying =
        new Cloud() {
          @Override
          public void notify(String appId, String requester, String resource, KuraPayload payload) {
            notified.add(
                appId + "|" + requester + "|" + resource + "|" + payload.longMetric("offset"));
          }
        };
    org.watchpost.api.remote.Notification chunk =
        new org.watchpost.api.remote.Notification(
            "MODEL-V1", "console", "chunk", Map.of("offset", 4096L), Priority.BULK, 0);
    try (GovernedUplink uplink = GovernedUplink.start(config("notify"), carrying)) {
      assertTrue(uplink.notify(chunk));
      waitFor(() -> notified.size() == 1);
    }
    assertEquals(List.of("MODEL-V1|console|chunk|4096"), notified);
    assertEquals(0, carrying.taken.size(), "not published as an event");

    Cloud plain = new Cloud();
    try (GovernedUplink uplink = GovernedUplink.start(config("no-notify"), plain)) {
      assertTrue(uplink.notify(chunk), "queued: the transport decides when its turn comes");
      uplink.publish(crossing(1));
      waitFor(() -> plain.taken.size() == 1);
      waitFor(() -> ((Number) uplink.metrics().get("outbox_quarantined")).longValue() == 1);
    }
    assertEquals(List.of("events/cam-1"), plain.subjects);
  }

  @Test
  void aConfigurationTheUplinkRefusesIsRefusedByName() throws Exception {
    Map<String, Object> c = config("bad");
    c.put("budget.bits.per.s", "fast");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GovernedUplink.start(c, new Cloud()));
    assertTrue(e.getMessage().contains("budget.bits.per.s"), e.getMessage());
  }

  private static void waitFor(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s");
      }
      Thread.sleep(20);
    }
  }
}
