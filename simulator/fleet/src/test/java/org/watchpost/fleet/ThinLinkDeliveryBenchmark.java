// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.packaging.SigningKeys;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;
import org.watchpost.testing.ThrottlingProxy;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * Delivery of the real YOLOX-Nano package (3.6 MB) to a device behind a throttled link while it
 * keeps sending events: the device's link to Mosquitto goes through a proxy that carries {@code
 * bits} per second each way, its uplink budget is the same, the console sits on the broker's side.
 * Prints the package bytes delivered over the measured time, the rate and the time the whole
 * package takes at that rate, and the event latency (capture to arrival at the broker's side)
 * meanwhile.
 *
 * <p>{@code ./mvnw -q -o exec:java -pl simulator/fleet -Dexec.classpathScope=test
 * -Dexec.mainClass=org.watchpost.fleet.ThinLinkDeliveryBenchmark -Dexec.args="9600 180 2"
 * -Dwatchpost.shared=/work/shared} (bits per second, seconds measured, seconds between events).
 */
public final class ThinLinkDeliveryBenchmark {
  private ThinLinkDeliveryBenchmark() {}

  private static String quantiles(List<Long> sorted) {
    return sorted.isEmpty()
        ? "-"
        : sorted.get(sorted.size() / 2)
            + " / "
            + sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.9) - 1));
  }

  public static void main(String[] args) throws Exception {
    long bits = args.length > 0 ? Long.parseLong(args[0]) : 9_600;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 180;
    double eventEvery = args.length > 2 ? Double.parseDouble(args[2]) : 2.0;
    // An asymmetric link as the device's budgets see it (issue 17): uplink budget, and the downlink
    // budget
    // (omitted: the uplink's, which is also what a build before the downlink budget does).
    long upBits = args.length > 3 ? Long.parseLong(args[3]) : bits;
    Long downBits = args.length > 4 ? Long.valueOf(args[4]) : null;
    Path dir = SharedData.scratchDirectory("thin-link-delivery");
    KeyPair key = SigningKeys.generate();
    Path keys = Files.createDirectories(dir.resolve("keys"));
    Files.writeString(keys.resolve("bench.pub"), SigningKeys.publicPem(key.getPublic()));
    ConsoleKeys.make(keys);
    Path factory = TestModels.yoloxNanoManifest();
    Path pkg = dir.resolve("yolox-nano-0.1.2.zip");
    new PackageBuilder(factory).version("0.1.2").build(pkg, key.getPrivate(), key.getPublic());
    long size = Files.size(pkg);
    List<long[]> latencies = new CopyOnWriteArrayList<>();
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        ThrottlingProxy link = new ThrottlingProxy(broker.port(), bits)) {
      MqttClient central = new MqttClient(broker.url(), "central-events", new MemoryPersistence());
      central.setCallback(
          new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {}

            @Override
            public void messageArrived(String topic, MqttMessage message) throws Exception {
              long now = System.currentTimeMillis();
              for (KuraPayload p : KuraPayloadCodec.decodeMessages(message.getPayload(), 1 << 20)) {
                if (p.timestamp() != null) {
                  latencies.add(new long[] {p.timestamp(), now - p.timestamp()});
                }
              }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {}
          });
      central.connect();
      central.subscribe("fleet/+/wp/events/#", 1);
      // What the broker sends the device, by topic kind: a spy on the device's own subscriptions.
      Map<String, long[]> down = new java.util.concurrent.ConcurrentHashMap<>();
      MqttClient spy = new MqttClient(broker.url(), "spy", new MemoryPersistence());
      spy.setCallback(
          new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {}

            @Override
            public void messageArrived(String topic, MqttMessage message) {
              String[] levels = topic.split("/");
              String kind =
                  levels.length > 4
                      ? levels[3] + "/" + levels[4] + (levels.length > 6 ? "/" + levels[6] : "")
                      : topic;
              long[] c = down.computeIfAbsent(kind, k -> new long[2]);
              synchronized (c) {
                c[0]++;
                c[1] += message.getPayload().length + topic.length() + 4;
              }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {}
          });
      spy.connect();
      spy.subscribe(new String[] {"$EDC/fleet/thin-1/#", "$EDC/fleet/_all/#"}, new int[] {0, 0});
      SimulatedDevice device =
          new SimulatedDevice(
              "thin-1",
              dir.resolve("thin-1"),
              "tcp://127.0.0.1:" + link.port(),
              factory,
              keys,
              "linux-x86_64",
              0,
              downBits == null
                  ? Map.of("budget_bits_per_s", upBits, "keep_alive_s", 60)
                  : Map.of(
                      "budget_bits_per_s",
                      upBits,
                      "downlink_budget_bits_per_s",
                      downBits,
                      "keep_alive_s",
                      60),
              Map.of("validation_runs", 3, "latency_factor", 1.5));
      RolloutState plan = new RolloutState();
      plan.rolloutId = "thin-link";
      plan.packageFile = pkg.toString();
      plan.packageSha256 = ModelPackage.sha256Of(pkg);
      plan.packageSize = size;
      plan.modelName = "yolox-nano";
      plan.modelVersion = "0.1.2";
      plan.transport = "mqtt";
      plan.targets = List.of("thin-1");
      plan.stages = List.of(1.0);
      plan.haltOnFailure = 0.5;
      plan.maxAttempts = 3;
      plan.retryDelayMillis = 5_000;
      plan.attemptTimeoutMillis = 600_000;
      try (FleetConsole console =
          new FleetConsole(
              broker.url(),
              "fleet",
              "console",
              new PrintStream(java.io.OutputStream.nullOutputStream()))) {
        console.printEvery(Duration.ZERO);
        ConsoleKeys.signing(console, keys);
        console.connect(Duration.ofSeconds(10));
        Thread.sleep(3_000);
        console.rollout(plan, dir.resolve("rollout.json"));
        long start = System.currentTimeMillis();
        long nextEvent = start;
        int n = 0;
        // Where each chunk's time goes: the console served it (its request arrived there), the
        // device committed
        // it (the chunk arrived and was written). Sampled with the loop, so to about 20 ms.
        List<Long> servedAt = new ArrayList<>();
        List<Long> committedAt = new ArrayList<>();
        long lastServed = 0;
        long lastOffset = 0;
        while (System.currentTimeMillis() - start < seconds * 1000L) {
          long now = System.currentTimeMillis();
          if (now >= nextEvent) {
            device.uplink.publish(
                new Event(
                    "line_crossing",
                    "line-1",
                    "gate",
                    "person",
                    n++,
                    0.9f,
                    null,
                    now - 1_500,
                    now,
                    Priority.EVENT,
                    Map.of("direction", n % 2 == 0 ? "in" : "out"),
                    null));
            nextEvent += (long) (eventEvery * 1000);
          }
          long served = console.served()[0];
          for (; lastServed < served; lastServed++) {
            servedAt.add(now);
          }
          if (device.models.metrics().get("model_offset") instanceof Number o
              && o.longValue() > lastOffset) {
            lastOffset = o.longValue();
            committedAt.add(now);
          }
          var devices = console.state().devices.values();
          if (!devices.isEmpty() && devices.stream().allMatch(d -> d.phase.settled())) {
            break;
          }
          Thread.sleep(20);
        }
        double elapsed = (System.currentTimeMillis() - start) / 1000.0;
        Object offset = device.models.metrics().get("model_offset");
        long delivered = console.served()[1];
        long committed = offset instanceof Number num ? num.longValue() : delivered;
        boolean done =
            !console.state().devices.isEmpty()
                && console.state().devices.values().stream()
                    .allMatch(d -> d.phase == DeviceRecord.Phase.DONE);
        double rate = committed / elapsed;
        List<Long> lat = new ArrayList<>();
        latencies.forEach(l -> lat.add(l[1]));
        lat.sort(null);
        System.out.printf(
            Locale.ROOT,
            "console served %d chunks, %d bytes%n",
            console.served()[0],
            console.served()[1]);
        System.out.printf(
            Locale.ROOT,
            "link %d bit/s, %.0f s measured: %s; package bytes committed %d of %d (%.1f%%), "
                + "%.0f B/s = %.0f%% of the link; whole package at this rate: %.0f s (%.1f min); budgets up %d down %s%n",
            bits,
            elapsed,
            done ? "DONE" : "in progress",
            committed,
            size,
            100.0 * committed / size,
            rate,
            100 * rate * 8 / bits,
            size / rate,
            size / rate / 60,
            upBits,
            downBits == null ? "as up" : downBits.toString());
        // Chunk k: asked (served at the console) after chunk k-1 was committed, then on the link
        // until committed.
        List<Long> ask = new ArrayList<>();
        List<Long> carry = new ArrayList<>();
        for (int k = 1; k < Math.min(servedAt.size(), committedAt.size()); k++) {
          ask.add(servedAt.get(k) - committedAt.get(k - 1));
          carry.add(committedAt.get(k) - servedAt.get(k));
        }
        ask.sort(null);
        carry.sort(null);
        long downBytes =
            link.log().stream().filter(c -> !c.up()).mapToLong(ThrottlingProxy.Chunk::bytes).sum();
        System.out.printf(
            Locale.ROOT,
            "per chunk (ms, median / p90): served after the previous commit %s, committed "
                + "after served %s; chunks committed %d; downlink carried %d B = %.0f%% of %d bit/s%n",
            quantiles(ask),
            quantiles(carry),
            committedAt.size(),
            downBytes,
            100.0 * downBytes * 8 / bits / elapsed,
            bits);
        down.forEach(
            (kind, c) ->
                System.out.printf(
                    Locale.ROOT, "to the device: %s %d messages, %d B%n", kind, c[0], c[1]));
        latencies.stream()
            .filter(l -> l[1] > 5_000)
            .forEach(
                l ->
                    System.out.printf(
                        Locale.ROOT,
                        "event at %+.1f s took %d ms%n",
                        (l[0] - start) / 1000.0,
                        l[1]));
        // The transfer's steady state: after the PUT and its block hash list (27 kB for this
        // package with 4 KiB
        // blocks, 22.5 s at 9,600 bit/s) have crossed, which holds back the acknowledgements of
        // everything sent
        // meanwhile.
        List<Long> steady = new ArrayList<>();
        latencies.stream().filter(l -> l[0] - start > 60_000).forEach(l -> steady.add(l[1]));
        steady.sort(null);
        if (!steady.isEmpty()) {
          System.out.printf(
              Locale.ROOT,
              "events after the first 60 s: %d; latency p50 %d ms, p95 %d ms, max %d ms%n",
              steady.size(),
              steady.get(steady.size() / 2),
              steady.get((int) Math.min(steady.size() - 1, Math.ceil(steady.size() * 0.95) - 1)),
              steady.get(steady.size() - 1));
        }
        if (!lat.isEmpty()) {
          System.out.printf(
              Locale.ROOT,
              "events: %d sent, %d arrived; latency p50 %d ms, p95 %d ms, max %d ms%n",
              n,
              lat.size(),
              lat.get(lat.size() / 2),
              lat.get((int) Math.min(lat.size() - 1, Math.ceil(lat.size() * 0.95) - 1)),
              lat.get(lat.size() - 1));
        }
      }
      device.close();
      central.disconnect();
      spy.disconnect();
      spy.close();
      central.close();
    }
    System.exit(0);
  }
}
