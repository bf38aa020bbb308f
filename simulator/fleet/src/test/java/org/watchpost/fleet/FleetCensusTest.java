// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * The health census against a real Mosquitto: devices speak the device's wire protocol (Kura topics
 * and payloads through the uplink's codec, a last will registered at connect): online with site and
 * region from BIRTH, offline by DC and by the broker's last will, camera alarms raised and cleared,
 * a report that shows a fault raised before the census listened, an inventory device never heard
 * from; hostile texts clipped, unknown states refused.
 */
class FleetCensusTest {
  private static final String ACCOUNT = "acme";

  /** A device as far as the census is concerned: an MQTT connection with the device's will. */
  private record Device(String id, MqttAsyncClient client) {
    static Device connect(String brokerUrl, String id) throws Exception {
      MqttAsyncClient c = new MqttAsyncClient(brokerUrl, id, new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setCleanSession(true);
      o.setWill(
          KuraTopic.control(ACCOUNT, id, KuraTopic.Kind.LAST_WILL).topic(),
          KuraPayloadCodec.encode(
              new KuraPayload(System.currentTimeMillis(), null, Map.of(), null)),
          1,
          false);
      c.connect(o).waitForCompletion(10_000);
      return new Device(id, c);
    }

    void birth(String site, String region) throws Exception {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("display_name", id);
      m.put("site", site);
      m.put("region", region);
      send(
          KuraTopic.control(ACCOUNT, id, KuraTopic.Kind.BIRTH).topic(),
          System.currentTimeMillis(),
          m);
    }

    void health(String subject, long at, Map<String, Object> metrics) throws Exception {
      send(KuraTopic.health(ACCOUNT, id, subject).topic(), at, metrics);
    }

    void alarm(String camera, String state, boolean raised, long at) throws Exception {
      health(
          camera,
          at,
          Map.of("state", state, "raised", raised, "reason", "test", "stream_ms", 1000L));
    }

    void send(String topic, long at, Map<String, Object> metrics) throws Exception {
      client
          .publish(
              topic, KuraPayloadCodec.encode(new KuraPayload(at, null, metrics, null)), 1, false)
          .waitForCompletion(10_000);
    }

    void dc() throws Exception {
      send(
          KuraTopic.control(ACCOUNT, id, KuraTopic.Kind.DISCONNECT).topic(),
          System.currentTimeMillis(),
          Map.of());
      client.disconnect().waitForCompletion(10_000);
    }

    /** The connection drops without a DISCONNECT: the broker publishes the will. */
    void lost() throws Exception {
      client.disconnectForcibly(0, 1, false);
    }
  }

  @Test
  void listsEveryDeviceAndCameraTheOldestFaultFirstWithTotalsPerSiteAndRegion() throws Exception {
    Path dir = SharedData.scratchDirectory("census");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"))) {
      FleetCensus census = new FleetCensus(ACCOUNT, "census-test");
      census.expect("dev-z");
      long now = System.currentTimeMillis();
      try (CensusListener listener =
          CensusListener.start(
              broker.url(), ACCOUNT, "census-test", census, Duration.ofSeconds(10))) {
        Device a = Device.connect(broker.url(), "dev-a");
        a.birth("north-gate", "north");
        a.health("device", now, Map.of("model_name", "yolox-nano", "model_version", "1.0.0"));
        a.health("cam1", now, Map.of("state", "OK", "fps", 5.0));
        a.alarm("cam2", "BLACK", true, now - 100_000);
        a.alarm("cam2", "MOVED", true, now - 50_000);
        Device b = Device.connect(broker.url(), "dev-b");
        b.birth("s1", "south");
        b.dc();
        Device c = Device.connect(broker.url(), "dev-c");
        c.birth("n2", "north");
        c.lost();
        // Raised before the census listened: only its periodic report shows it.
        Device d = Device.connect(broker.url(), "dev-d");
        d.health("cam1", now, Map.of("state", "FROZEN"));
        Device e = Device.connect(broker.url(), "dev-e");
        e.birth("=cmd|' /c calc'!A1,\"x\"" + "y".repeat(500), "south\u0007");
        e.alarm("cam1", "BLURRED", true, now - 10_000);
        e.alarm("cam1", "BLURRED", false, now);
        e.alarm("cam2", "EVIL", true, now);
        e.send(ACCOUNT + "/dev-e/wp/health/cam3", now, Map.of("state", 42L));
        e.client()
            .publish(
                KuraTopic.health(ACCOUNT, "dev-e", "cam4").topic(),
                new byte[] {0x1f, (byte) 0x8b, 1, 2},
                1,
                false)
            .waitForCompletion(10_000);
        await(
            () ->
                census.rows().stream()
                        .anyMatch(
                            r -> r.device().equals("dev-c") && r.deviceState().equals("OFFLINE"))
                    && census.rows().stream()
                        .anyMatch(
                            r ->
                                r.device().equals("dev-e")
                                    && r.camera().equals("cam1")
                                    && r.cameraState().equals("OK"))
                    && census.malformed() >= 1,
            census);
        for (Device x : List.of(a, d, e)) {
          x.client().disconnect().waitForCompletion(10_000);
        }
      }
      List<FleetCensus.Row> rows = census.rows();
      rows.forEach(System.out::println);
      List<String> order = rows.stream().map(r -> r.device() + "/" + r.camera()).toList();
      assertEquals("dev-z/", order.get(0), "never heard from: first");
      // Then by when the fault began, whatever it is: the camera blacked out 100 s ago comes before
      // the devices that
      // went offline during the test.
      assertEquals(List.of("dev-a/cam2", "dev-d/cam1", "dev-b/", "dev-c/"), order.subList(1, 5));
      FleetCensus.Row a2 = rows.get(1);
      assertEquals("BLACK+MOVED", a2.cameraState());
      assertEquals(now - 100_000, a2.faultSinceMillis(), "since the first raised state");
      assertEquals("yolox-nano 1.0.0", a2.model());
      assertEquals("FROZEN", rows.get(2).cameraState());
      assertEquals("ONLINE", rows.get(2).deviceState());
      FleetCensus.Row e1 =
          rows.stream().filter(r -> r.device().equals("dev-e")).findFirst().orElseThrow();
      assertEquals(FleetCensus.MAX_LABEL, e1.site().length(), "clipped");
      assertTrue(!e1.site().contains(",") && !e1.site().contains("\""), e1.site());
      assertEquals("south_", e1.region(), "control characters replaced");
      assertEquals(
          List.of("cam1"),
          rows.stream()
              .filter(r -> r.device().equals("dev-e"))
              .map(FleetCensus.Row::camera)
              .toList(),
          "an unknown state, a state of the wrong type and an unreadable payload make no camera");
      Map<String, Object> totals = census.totals();
      assertEquals(
          Map.of("ONLINE", 3L, "OFFLINE", 2L, "NEVER_SEEN", 1L), totals.get("device_states"));
      assertEquals(
          Map.of("OK", 2L, "BLACK", 1L, "MOVED", 1L, "FROZEN", 1L), totals.get("camera_states"));
      @SuppressWarnings("unchecked")
      Map<String, Map<String, Long>> regions =
          (Map<String, Map<String, Long>>) totals.get("regions");
      assertEquals(
          Map.of("devices", 2L, "offline", 1L, "cameras", 2L, "cameras_faulty", 1L),
          regions.get("north"));
      assertEquals(2L, regions.get("(none)").get("devices"), "dev-d and dev-z named no region");

      Path csv = dir.resolve("census.csv");
      CensusReport.writeCsv(census, csv);
      List<String> lines = Files.readAllLines(csv);
      assertEquals(CensusReport.CSV_HEADER, lines.get(0));
      assertEquals(rows.size() + 1, lines.size());
      assertTrue(
          lines.stream().skip(1).allMatch(l -> l.split(",", -1).length == 9),
          "one cell per column on every line");
      assertTrue(
          lines.stream().anyMatch(l -> l.contains(",'=cmd")),
          "a formula from a device is written as text");
      Path json = dir.resolve("census.json");
      CensusReport.writeJson(census, json);
      JsonObject parsed = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
      assertEquals(rows.size(), parsed.getAsJsonArray("rows").size());
      assertEquals(6, parsed.get("devices").getAsInt());
    }
  }

  @Test
  void theCommandListsTheDevicesHeardWhileItListens() throws Exception {
    Path dir = SharedData.scratchDirectory("census-cli");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"))) {
      Device a = Device.connect(broker.url(), "gate-1");
      AtomicBoolean running = new AtomicBoolean(true);
      // The device reports its health periodically (60 s on a device; here often, so the census
      // hears it at once).
      Thread reporter =
          new Thread(
              () -> {
                try {
                  while (running.get()) {
                    a.health("north", System.currentTimeMillis(), Map.of("state", "OBSTRUCTED"));
                    Thread.sleep(100);
                  }
                } catch (Exception ignored) {
                  // stopped
                }
              });
      reporter.start();
      Path json = dir.resolve("census.json");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      PrintStream previous = System.out;
      int code;
      try {
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        code =
            FleetCommand.commandLine()
                .execute(
                    "health",
                    "--broker",
                    broker.url(),
                    "--account",
                    ACCOUNT,
                    "--listen",
                    "2s",
                    "--json",
                    json.toString());
      } finally {
        System.setOut(previous);
        running.set(false);
        reporter.join();
        a.client().disconnect().waitForCompletion(10_000);
      }
      System.out.print(out);
      assertEquals(0, code, out.toString());
      JsonObject parsed = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
      assertEquals(1, parsed.get("devices").getAsInt());
      JsonObject row = parsed.getAsJsonArray("rows").get(0).getAsJsonObject();
      assertEquals("gate-1", row.get("device").getAsString());
      assertEquals("OBSTRUCTED", row.get("camera_state").getAsString());
      assertTrue(out.toString().contains("OBSTRUCTED"), out.toString());
    }
  }

  private static void await(BooleanSupplier condition, FleetCensus census)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("the census did not get there: " + census.rows());
      }
      Thread.sleep(20);
    }
  }
}
