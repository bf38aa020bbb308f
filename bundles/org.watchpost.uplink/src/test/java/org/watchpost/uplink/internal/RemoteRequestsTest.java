// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.Priority;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.RequestHandler;
import org.watchpost.api.remote.Response;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * Remote requests over a real Mosquitto in Kura's request/response pattern: a request on
 * $EDC/{account}/{device}/{app}/GET/... is answered on
 * $EDC/{account}/{requester}/{app}/REPLY/{request.id}; notifications go out on .../NOTIFY/...; a
 * malformed request is dropped and the next one answered; after the broker restarts the device
 * subscribes again and tells the handler the link is up.
 */
class RemoteRequestsTest {

  private static final class Echo implements RequestHandler {
    final List<Request> seen = new CopyOnWriteArrayList<>();
    final AtomicInteger linkUps = new AtomicInteger();

    @Override
    public String appId() {
      return "TEST-V1";
    }

    @Override
    public Response handle(Request request) {
      seen.add(request);
      if (request.method().equals("GET")) {
        return Response.ok(
            Map.of(
                "things",
                String.join("/", request.resources()),
                "echo",
                request.stringMetric("say") == null ? "" : request.stringMetric("say")));
      }
      return Response.error(404, "no " + request.method());
    }

    @Override
    public void linkUp() {
      linkUps.incrementAndGet();
    }
  }

  private static byte[] request(String requestId, Map<String, Object> metrics) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(Request.REQUEST_ID, requestId);
    m.put(Request.REQUESTER_CLIENT_ID, "console");
    m.putAll(metrics);
    return KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, m, null));
  }

  @Test
  void requestsAreAnsweredOnTheRequestersReplyTopic() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-remote");
    Echo echo = new Echo();
    RequestRouter router = new RequestRouter();
    router.add(echo);
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url());
        UplinkEngine engine =
            new UplinkEngine(
                Samples.config(broker.url(), dir.resolve("outbox.db"), Map.of()),
                stored -> {},
                router)) {
      assertTrue(
          receiver.await(() -> echo.linkUps.get() == 1, 10_000),
          "the handler heard the link come up");
      MqttClient console = new MqttClient(broker.url(), "console", new MemoryPersistence());
      MqttConnectOptions options = new MqttConnectOptions();
      console.connect(options);
      String base = "$EDC/acme/box-7/TEST-V1/";
      console.publish(base + "GET/things/7", request("42", Map.of("say", "hello")), 1, false);
      console.publish(base + "GET/things", new byte[] {0x0a, (byte) 0xff, 0x01}, 1, false);
      console.publish(base + "EXEC/reboot", request("43", Map.of()), 1, false);
      assertTrue(
          receiver.await(
              () ->
                  !receiver
                      .arrivals(a -> a.topic().equals("$EDC/acme/console/TEST-V1/REPLY/43"))
                      .isEmpty(),
              10_000),
          "both well-formed requests were answered");
      KuraPayload reply =
          receiver
              .arrivals(a -> a.topic().equals("$EDC/acme/console/TEST-V1/REPLY/42"))
              .get(0)
              .payload();
      assertEquals(200, reply.longMetric("response.code"));
      assertEquals("things/7", reply.stringMetric("things"));
      assertEquals("hello", reply.stringMetric("echo"));
      KuraPayload refused =
          receiver.arrivals(a -> a.topic().endsWith("/REPLY/43")).get(0).payload();
      assertEquals(404, refused.longMetric("response.code"));
      assertEquals("no EXEC", refused.stringMetric("response.exception.message"));
      assertEquals(2, echo.seen.size(), "the malformed request reached no handler");
      assertEquals("console", echo.seen.get(0).requesterClientId());

      long before = engine.governor().inboundBytes();
      assertTrue(
          engine.notify(
              new Notification(
                  "TEST-V1", "console", "progress", Map.of("percent", 40), Priority.HEALTH, 0)));
      assertTrue(
          receiver.await(
              () ->
                  !receiver
                      .arrivals(
                          a -> a.topic().equals("$EDC/acme/box-7/TEST-V1/NOTIFY/console/progress"))
                      .isEmpty(),
              10_000));
      // The notification matches the device's own TEST-V1/# filter: over MQTT 5 (No Local) it does
      // not come back.
      // A request after it costs what the same request costs alone.
      console.publish(base + "GET/after1", request("50", Map.of()), 1, false);
      assertTrue(
          receiver.await(
              () -> !receiver.arrivals(a -> a.topic().endsWith("/REPLY/50")).isEmpty(), 10_000));
      long withNotification = engine.governor().inboundBytes() - before;
      long mid = engine.governor().inboundBytes();
      console.publish(base + "GET/after2", request("51", Map.of()), 1, false);
      assertTrue(
          receiver.await(
              () -> !receiver.arrivals(a -> a.topic().endsWith("/REPLY/51")).isEmpty(), 10_000));
      assertEquals(
          engine.governor().inboundBytes() - mid,
          withNotification,
          "the device's own notification did not come back to it");
      KuraPayload birth =
          receiver.arrivals(a -> a.topic().endsWith("/MQTT/BIRTH")).get(0).payload();
      assertTrue(birth.stringMetric("application_ids").contains("TEST-V1"), birth.toString());

      broker.restart();
      assertTrue(
          receiver.await(() -> echo.linkUps.get() == 2, 20_000),
          "subscribed again after the broker came back");
      if (!console.isConnected()) {
        console.connect(options);
      }
      console.publish(base + "GET/again", request("44", Map.of()), 1, false);
      assertTrue(
          receiver.await(
              () -> !receiver.arrivals(a -> a.topic().endsWith("/REPLY/44")).isEmpty(), 20_000),
          "answered after the reconnect");
      console.disconnect();
      console.close();
      assertEquals(
          KuraTopic.Kind.CONTROL, KuraTopic.parse("$EDC/acme/box-7/TEST-V1/GET/things").kind());
      assertEquals(
          "$EDC/a/c/TEST-V1/REPLY/9",
          KuraTopic.application("a", "c", "TEST-V1", "REPLY", "9").topic());
    } finally {
      router.close();
    }
  }
}
