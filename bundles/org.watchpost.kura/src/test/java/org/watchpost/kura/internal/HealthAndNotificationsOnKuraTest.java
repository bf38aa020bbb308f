// SPDX-License-Identifier: Apache-2.0
package org.watchpost.kura.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.eclipse.kura.message.KuraPayload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.Request;

/**
 * The device's HEALTH-V1 and its notifications inside Kura, through the Kura component as Kura's
 * cloud service drives it: HEALTH-V1 registered in Kura's RequestHandlerRegistry beside MODEL-V1
 * and answering GET full, and a request handler's notification queued in the governed uplink
 * (priority, budget) rather than handed to Kura's notification publisher at once.
 */
@Timeout(90)
class HealthAndNotificationsOnKuraTest {
  private static final long T0 = 1_700_000_000_000L;

  /**
   * Kura's publisher and its notification publisher, in one record of what was taken and in which
   * order.
   */
  static final class Publisher implements CloudNotificationPublisher {
    final List<KuraMessage> taken = new CopyOnWriteArrayList<>();

    /** When each was taken (System.nanoTime), in the same order. */
    final List<Long> at = new CopyOnWriteArrayList<>();

    @Override
    public synchronized String publish(KuraMessage message) {
      at.add(System.nanoTime());
      taken.add(message);
      return Integer.toString(taken.size());
    }

    @Override
    public void registerCloudConnectionListener(CloudConnectionListener l) {}

    @Override
    public void unregisterCloudConnectionListener(CloudConnectionListener l) {}

    @Override
    public void registerCloudDeliveryListener(CloudDeliveryListener l) {}

    @Override
    public void unregisterCloudDeliveryListener(CloudDeliveryListener l) {}

    int indexOf(java.util.function.Predicate<KuraMessage> f) {
      for (int i = 0; i < taken.size(); i++) {
        if (f.test(taken.get(i))) {
          return i;
        }
      }
      return -1;
    }
  }

  private static Map<String, Object> config(String name) throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "kura-requests"));
    Map<String, Object> config = new HashMap<>();
    config.put("CloudPublisher.target", "(kura.service.pid=test)");
    config.put("outbox.path", dir.resolve(name + "-" + System.nanoTime() + ".db").toString());
    config.put("account", "acme");
    config.put("client.id", "gw-1");
    return config;
  }

  private static KuraMessage request(String... args) {
    KuraPayload p = new KuraPayload();
    p.addMetric(Request.REQUEST_ID, "r1");
    p.addMetric(Request.REQUESTER_CLIENT_ID, "console");
    return new KuraMessage(p, Map.of("args", List.of(args)));
  }

  @Test
  void healthV1IsRegisteredWithKuraAndAnswersFullHealth() throws Exception {
    Publisher publisher = new Publisher();
    KuraRequestHandlerTest.Registry registry = new KuraRequestHandlerTest.Registry();
    Map<String, Object> config = config("health");
    KuraCloudComponent kura = new KuraCloudComponent(config, (String) null, publisher, registry);
    try {
      var handler = registry.handlers.get("HEALTH-V1");
      assertNotNull(handler, "HEALTH-V1 registered with Kura: " + registry.handlers.keySet());
      kura.report(new HealthReport("device", T0, Map.of("cpu_load", 0.5, "cameras_up", 2L)));
      kura.report(new HealthReport("device", T0 + 1000, Map.of("cpu_load", 0.7, "cameras_up", 2L)));
      waitFor(30_000, () -> publisher.taken.size() == 2);

      KuraMessage reply =
          handler.doGet(new RequestHandlerContext(publisher, Map.of()), request("full"));
      assertEquals(true, reply.getPayload().getMetric("full"));
      assertEquals(
          0.7,
          reply.getPayload().getMetric("cpu_load"),
          "the whole current state, not the last delta");
      assertEquals(2L, reply.getPayload().getMetric("cameras_up"));
      KuraException unknown =
          assertThrows(
              KuraException.class,
              () ->
                  handler.doGet(
                      new RequestHandlerContext(publisher, Map.of()), request("full", "cam-9")));
      assertEquals(
          org.eclipse.kura.KuraErrorCode.NOT_FOUND, unknown.getCode(), "no report of cam-9 yet");

      // A new configuration restarts the uplink: HEALTH-V1 stays registered with Kura (no gap while
      // the old
      // uplink drains) and answers from the new one.
      kura.modified(config);
      assertSame(handler, registry.handlers.get("HEALTH-V1"));
      kura.report(new HealthReport("cam-1", T0 + 2000, Map.of("fps", 9.5)));
      KuraMessage fromNew =
          handler.doGet(new RequestHandlerContext(publisher, Map.of()), request("full", "cam-1"));
      assertEquals(9.5, fromNew.getPayload().getMetric("fps"));
    } finally {
      kura.deactivate();
    }
    assertEquals(Map.of(), registry.handlers, "unregistered from Kura with the component");
  }

  /**
   * Over a small budget with events waiting, a MODEL-V1 chunk request (bulk) waits its turn and an
   * alarm raised after it still goes first; on the code before, Kura's notification publisher got
   * it at once, before the alarm and whatever the budget.
   */
  @Test
  void notificationsGoThroughTheGovernor() throws Exception {
    Publisher publisher = new Publisher();
    KuraRequestHandlerTest.Registry registry = new KuraRequestHandlerTest.Registry();
    Map<String, Object> config = config("notify");
    config.put("budget.bits.per.s", 4_800L);
    config.put("per.packet.overhead.bytes", 40);
    config.put("fold.after.s", 120);
    KuraCloudComponent kura = new KuraCloudComponent(config, (String) null, publisher, registry);
    try {
      // A request from the console: Kura's request context brings the notification publisher.
      KuraRequestHandlerTest.Recording model = new KuraRequestHandlerTest.Recording();
      kura.bindRequestHandler(model);
      registry
          .handlers
          .get("MODEL-V1")
          .doGet(new RequestHandlerContext(publisher, Map.of()), request("models"));

      for (int i = 0; i < 12; i++) {
        kura.publish(
            new Event(
                "line_crossing",
                "main-line",
                "cam-kura",
                "person",
                i,
                0.8f,
                null,
                T0 + i,
                T0 + i,
                Priority.EVENT,
                Map.of("direction", "in"),
                null));
      }
      assertTrue(
          kura.notify(
              new Notification(
                  "MODEL-V1", "console", "chunk", Map.of("offset", 4096L), Priority.BULK, 0)));
      int takenAtNotify = publisher.taken.size();
      kura.publish(
          new Event(
              "intrusion",
              "lawn",
              "cam-kura",
              "person",
              100,
              0.9f,
              null,
              T0 + 50,
              T0 + 50,
              Priority.ALARM,
              Map.of(),
              null));
      waitFor(
          60_000, () -> publisher.indexOf(HealthAndNotificationsOnKuraTest::isNotification) >= 0);

      int notification = publisher.indexOf(HealthAndNotificationsOnKuraTest::isNotification);
      int alarm = publisher.indexOf(m -> "intrusion".equals(m.getPayload().getMetric("type")));
      assertTrue(
          notification >= 0,
          "the notification was delivered: " + publisher.taken.size() + " taken");
      assertTrue(
          notification >= takenAtNotify + 1 && alarm >= 0 && alarm < notification,
          "the chunk request waited its turn behind the alarm (taken when notified "
              + takenAtNotify
              + ", alarm at "
              + alarm
              + ", notification at "
              + notification
              + ")");
      KuraMessage n = publisher.taken.get(notification);
      assertEquals(
          Map.of("appId", "MODEL-V1", "messageType", "chunk", "requestorClientId", "console"),
          n.getProperties());
      assertEquals(4096L, n.getPayload().getMetric("offset"));
    } finally {
      kura.deactivate();
    }
  }

  /**
   * Chunk requests are paced by the downlink budget of this component's configuration: at 800
   * bit/s, a request asking for 1,000 reply bytes (10 s of that link) holds the next one back until
   * the first reply would nearly have arrived (all but the 2 s the uplink lets replies overlap).
   * Before, both went to Kura at once.
   */
  @Test
  void chunkRequestsArePacedByTheDownlinkBudget() throws Exception {
    Publisher publisher = new Publisher();
    KuraRequestHandlerTest.Registry registry = new KuraRequestHandlerTest.Registry();
    Map<String, Object> config = config("downlink");
    config.put("downlink.budget.bits.per.s", 800L);
    KuraCloudComponent kura = new KuraCloudComponent(config, (String) null, publisher, registry);
    try {
      kura.bindRequestHandler(new KuraRequestHandlerTest.Recording());
      registry
          .handlers
          .get("MODEL-V1")
          .doGet(new RequestHandlerContext(publisher, Map.of()), request("models"));
      for (long offset : new long[] {0, 1000}) {
        assertTrue(
            kura.notify(
                new Notification(
                    "MODEL-V1",
                    "console",
                    "chunk",
                    Map.of("offset", offset),
                    Priority.BULK,
                    1000)));
      }
      waitFor(
          60_000,
          () ->
              publisher.taken.stream()
                      .filter(HealthAndNotificationsOnKuraTest::isNotification)
                      .count()
                  == 2);
      List<Long> taken = new java.util.ArrayList<>();
      for (int i = 0; i < publisher.taken.size(); i++) {
        if (isNotification(publisher.taken.get(i))) {
          taken.add(publisher.at.get(i));
        }
      }
      assertEquals(2, taken.size(), "both chunk requests delivered");
      long gapMillis = (taken.get(1) - taken.get(0)) / 1_000_000;
      assertTrue(
          gapMillis >= 6_000,
          "the second chunk request waited for the first reply's room, "
              + "gap "
              + gapMillis
              + " ms");
    } finally {
      kura.deactivate();
    }
  }

  private static boolean isNotification(KuraMessage m) {
    return m.getProperties().containsKey("appId");
  }

  private static void waitFor(long millis, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000L;
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }
}
