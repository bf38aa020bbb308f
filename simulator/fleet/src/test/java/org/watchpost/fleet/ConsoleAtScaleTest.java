package org.watchpost.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * A wave of thousands: 3,000 devices come online at once (their BIRTH) and a single stage offers the package to
 * all of them. The MQTT client holds at most 1,000 messages in flight; every GET and PUT must still reach its
 * device, none lost to "too many publishes in progress".
 */
class ConsoleAtScaleTest {
  private static final int DEVICES = 3_000;

  @Test
  void everyDeviceOfALargeWaveIsOfferedThePackage() throws Exception {
    Path dir = SharedData.scratchDirectory("console-scale");
    Path keys = dir.resolve("keys");
    Files.createDirectories(keys);
    ConsoleKeys.make(keys);
    Path pkg = dir.resolve("pkg.zip");
    Files.write(pkg, new byte[64 * 1024]);
    RolloutState plan = new RolloutState();
    plan.rolloutId = "scale";
    plan.packageFile = pkg.toString();
    plan.packageSha256 = ModelPackage.sha256Of(pkg);
    plan.packageSize = Files.size(pkg);
    plan.modelName = "m";
    plan.modelVersion = "2";
    plan.transport = "mqtt";
    plan.targets = List.of("cam-*");
    plan.stages = List.of(1.0);
    plan.maxAttempts = 1;
    plan.attemptTimeoutMillis = 600_000;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream previousErr = System.err;
    Set<String> offered = ConcurrentHashMap.newKeySet();
    Set<String> asked = ConcurrentHashMap.newKeySet();
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"))) {
      MqttAsyncClient devices = new MqttAsyncClient(broker.url(), "devices", new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setMaxInflight(DEVICES + 10);
      devices.connect(o).waitForCompletion(10_000);
      devices.subscribe("$EDC/acme/+/MODEL-V1/+/+", 1, (topic, message) -> {
        KuraTopic t = KuraTopic.parse(topic);
        if (!t.clientId().startsWith("cam-")) {
          return;
        }
        if (t.subject().endsWith("PUT/package")) {
          offered.add(t.clientId());
        } else if (t.subject().endsWith("GET/models")) {
          asked.add(t.clientId());
        }
      }).waitForCompletion(10_000);
      System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
      try (FleetConsole console = ConsoleKeys.signing(new FleetConsole(broker.url(), "acme", "console-scale",
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)), keys)) {
        console.printEvery(Duration.ZERO);
        console.connect(Duration.ofSeconds(10));
        byte[] birth = KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, Map.of("display_name", "x"), null));
        for (int i = 0; i < DEVICES; i++) {
          devices.publish(KuraTopic.control("acme", String.format("cam-%04d", i), KuraTopic.Kind.BIRTH).topic(), birth, 1, false);
        }
        long known = System.currentTimeMillis() + 60_000;
        while (asked.size() < DEVICES && System.currentTimeMillis() < known) {
          Thread.sleep(50);
        }
        // The devices are known, then the rollout starts: its one stage offers the package to all at once.
        console.rollout(plan, dir.resolve("rollout.db"));
        long deadline = System.currentTimeMillis() + 90_000;
        while ((offered.size() < DEVICES || asked.size() < DEVICES) && System.currentTimeMillis() < deadline) {
          Thread.sleep(100);
        }
      } finally {
        System.setErr(previousErr);
        devices.disconnect().waitForCompletion(10_000);
        devices.close();
      }
    }
    String err = log.toString(StandardCharsets.UTF_8);
    assertEquals(DEVICES, asked.size(), "every device asked for its model");
    assertEquals(DEVICES, offered.size(), "every device offered the package");
    assertFalse(err.contains("failed"), err.lines().limit(5).toList().toString());
  }
}
