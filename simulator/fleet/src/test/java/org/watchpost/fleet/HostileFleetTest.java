// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;
import org.watchpost.fleet.DeviceRecord.Phase;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.packaging.SigningKeys;
import org.watchpost.models.protocol.CommandSignature;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;
import org.watchpost.testing.TinyOnnx;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * Issue 12's hostile-input suite for model updates, on a device made of the real bundles over a
 * real Mosquitto: while an attacker (another MQTT client of the account) replays and forges
 * commands, injects chunks into a real rollout, names an internal URL, and a malformed key file is
 * dropped on the device, the device publishes an event every 20 ms. Every event must arrive at the
 * broker, in seq order; each attack's reason must show in the reply or in the model manager's
 * health metrics; the heap stays bounded.
 */
class HostileFleetTest {
  private static final List<String> PLATFORMS = List.of("linux-x86_64", "linux-aarch64");
  private static final String ACCOUNT = "fleet";

  /** The device's event stream as the broker delivers it: track ids and seqs in arrival order. */
  private static final class Events implements AutoCloseable {
    final MqttClient client;
    final Set<Long> tracks = new ConcurrentSkipListSet<>();
    final List<Long> seqs = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicInteger outOfOrder = new AtomicInteger();
    volatile long lastArrivalNanos = System.nanoTime();

    /**
     * The longest wait between two events arriving: how long an attack held delivery up (published
     * every 20 ms).
     */
    volatile long maxGapMillis;

    volatile long gapBeforeRestartMillis;
    volatile String phase = "start";
    volatile String maxGapAt = "";
    final Map<String, Long> gaps = new java.util.concurrent.ConcurrentSkipListMap<>();

    Events(String url) throws Exception {
      client = new MqttClient(url, "central-events", new MemoryPersistence());
      client.connect();
      client.subscribe(
          ACCOUNT + "/+/wp/events/#",
          1,
          (topic, message) -> {
            for (KuraPayload read :
                KuraPayloadCodec.decodeMessages(message.getPayload(), 1 << 20)) {
              // Events travel in the compact profile by default; read them by their long names.
              KuraPayload p = org.watchpost.uplink.codec.EventMetrics.verbose(read);
              Long track = p.longMetric("track");
              Long seq = p.longMetric("seq");
              if (track != null) {
                tracks.add(track);
              }
              if (seq != null) {
                if (!seqs.isEmpty() && seq <= seqs.get(seqs.size() - 1)) {
                  outOfOrder.incrementAndGet();
                }
                seqs.add(seq);
              }
              long nowNanos = System.nanoTime();
              if (!seqs.isEmpty()) {
                long gap = (nowNanos - lastArrivalNanos) / 1_000_000;
                gaps.merge(phase, gap, Math::max);
                if (!phase.equals("start") && gap > maxGapMillis) {
                  maxGapMillis = gap;
                  maxGapAt = phase;
                }
              }
              lastArrivalNanos = nowNanos;
            }
          });
    }

    @Override
    public void close() throws Exception {
      client.disconnect();
      client.close();
    }
  }

  /**
   * Another client of the account: sees requests, replies and notifications, and publishes what it
   * likes.
   */
  private static final class Attacker implements AutoCloseable {
    final MqttClient client;
    final LinkedBlockingQueue<KuraPayload> replies = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<KuraPayload> installs = new LinkedBlockingQueue<>();
    final Map<String, byte[]> seen = new ConcurrentHashMap<>();
    final AtomicBoolean injecting = new AtomicBoolean();
    final AtomicInteger injected = new AtomicInteger();
    final java.util.concurrent.ExecutorService forger =
        java.util.concurrent.Executors.newSingleThreadExecutor();

    Attacker(String url, String device) throws Exception {
      client = new MqttClient(url, "mallory", new MemoryPersistence());
      MqttConnectOptions o = new MqttConnectOptions();
      o.setMaxInflight(1000);
      client.connect(o);
      String base = "$EDC/" + ACCOUNT + "/";
      client.subscribe(
          new String[] {
            base + "+/MODEL-V1/REPLY/#",
            base + device + "/MODEL-V1/NOTIFY/#",
            base + device + "/MODEL-V1/PUT/#",
            base + device + "/MODEL-V1/EXEC/#"
          },
          new int[] {1, 1, 1, 1},
          new org.eclipse.paho.client.mqttv3.IMqttMessageListener[] {
            (t, m) -> replies.addAll(KuraPayloadCodec.decodeMessages(m.getPayload(), 1 << 20)),
            (t, m) -> {
              try {
                for (KuraPayload p : KuraPayloadCodec.decodeMessages(m.getPayload(), 1 << 20)) {
                  if (t.endsWith("/install")) {
                    installs.add(p);
                  } else if (t.endsWith("/chunk") && injecting.get()) {
                    // Not on Paho's callback thread: a publish from there waits for that very
                    // thread.
                    forger.execute(
                        () -> {
                          try {
                            forge(device, p);
                          } catch (Exception e) {
                            e.printStackTrace();
                          }
                        });
                  }
                }
              } catch (Exception e) {
                e.printStackTrace();
              }
            },
            (t, m) -> seen.put(t + "#" + seen.size(), m.getPayload()),
            (t, m) -> seen.put(t + "#" + seen.size(), m.getPayload())
          });
    }

    /**
     * Answers the device's chunk request first, with random bytes and a chunk.sha256 that matches
     * them.
     */
    private void forge(String device, KuraPayload ask) throws Exception {
      Long offset = ask.longMetric(ModelProtocol.OFFSET);
      Long length = ask.longMetric(ModelProtocol.LENGTH);
      byte[] bytes = new byte[(int) (long) length];
      new java.util.Random(offset).nextBytes(bytes);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(ModelProtocol.JOB_ID, ask.stringMetric(ModelProtocol.JOB_ID));
      m.put(ModelProtocol.OFFSET, offset);
      m.put(
          ModelProtocol.CHUNK_SHA256,
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
      client.publish(
          "$EDC/" + ACCOUNT + "/" + device + "/MODEL-V1/PUT/chunk",
          KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, m, bytes)),
          0,
          false);
      injected.incrementAndGet();
    }

    void publish(String topic, byte[] wire) throws Exception {
      client.publish(topic, wire, 1, false);
    }

    /** Asks the device (GET, unsigned) until it answers: it is connected and subscribed. */
    void awaitAnswering(String device) throws Exception {
      long deadline = System.currentTimeMillis() + 30_000;
      for (int i = 0; System.currentTimeMillis() < deadline; i++) {
        Map<String, Object> m = Map.of("request.id", "ping-" + i, "requester.client.id", "mallory");
        publish(
            "$EDC/" + ACCOUNT + "/" + device + "/MODEL-V1/GET/models",
            KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, m, null)));
        KuraPayload p = replies.poll(500, TimeUnit.MILLISECONDS);
        if (p != null && String.valueOf(p.stringMetric("request.id")).startsWith("ping-")) {
          replies.clear();
          return;
        }
      }
      throw new AssertionError(device + " never answered");
    }

    KuraPayload reply(String requestId) throws InterruptedException {
      long deadline = System.currentTimeMillis() + 20_000;
      while (System.currentTimeMillis() < deadline) {
        KuraPayload p = replies.poll(100, TimeUnit.MILLISECONDS);
        if (p != null && requestId.equals(p.stringMetric("request.id"))) {
          return p;
        }
      }
      throw new AssertionError("no reply to " + requestId);
    }

    @Override
    public void close() throws Exception {
      forger.shutdownNow();
      client.disconnect();
      client.close();
    }
  }

  private static byte[] command(
      KeyPair key,
      String target,
      String method,
      String resource,
      String requestId,
      Map<String, Object> params,
      long notBefore,
      long expires) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("request.id", requestId);
    m.put("requester.client.id", "console-1");
    m.putAll(params);
    m.putAll(
        CommandSignature.sign(
            ModelProtocol.APP_ID,
            method,
            List.of(resource),
            "console-1",
            params,
            null,
            target,
            notBefore,
            expires,
            key.getPrivate(),
            key.getPublic()));
    return KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, m, null));
  }

  private static String refusal(KuraPayload reply) {
    return reply.longMetric("response.code")
        + " "
        + reply.stringMetric("response.exception.message");
  }

  private static long usedHeapAfterGc() {
    System.gc();
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  @Test
  void attacksOnModelUpdatesCostNoEventAndEachReasonShows() throws Exception {
    Path dir = SharedData.scratchDirectory("fleet-hostile");
    KeyPair release = SigningKeys.generate();
    Path keys = dir.resolve("keys");
    Files.createDirectories(keys);
    Files.writeString(keys.resolve("release.pub"), SigningKeys.publicPem(release.getPublic()));
    KeyPair consoleKey = ConsoleKeys.make(keys);
    Path factory =
        TestModels.tinyYolox(
            dir.resolve("factory"),
            "tiny-yolox",
            "1.0.0",
            TinyOnnx.model(TinyOnnx.onePerson()),
            PLATFORMS);
    Path v2 =
        TestModels.tinyYolox(
            dir.resolve("v2"),
            "tiny-yolox",
            "2.0.0",
            TinyOnnx.model(TinyOnnx.onePerson()),
            PLATFORMS);
    byte[] calibration = new byte[48 * 1024];
    new java.util.Random(11).nextBytes(calibration);
    Files.write(dir.resolve("v2/calibration.bin"), calibration);
    Path pkg = dir.resolve("tiny-yolox-2.0.0.zip");
    new PackageBuilder(v2)
        .file("calibration.bin", dir.resolve("v2/calibration.bin"))
        .build(pkg, release.getPrivate(), release.getPublic());
    String cam = "cam-01";
    // The trickling server is on loopback and allowed by name (localhost); 127.0.0.1 is not.
    TricklingServer trickler = new TricklingServer(dir.resolve("trickle"), Files.size(pkg), 200);
    Map<String, Object> modelsExtra =
        Map.of(
            "https_allowed_hosts",
            "localhost",
            "chunk_bytes",
            2048,
            "chunk_timeout_s",
            2,
            "https_ca_file",
            trickler.caFile().toString(),
            "https_timeout_s",
            2,
            "https_min_bytes_per_s",
            4096,
            "https_rate_window_s",
            1,
            "transfer_attempts",
            2);
    String base = "$EDC/" + ACCOUNT + "/" + cam + "/MODEL-V1/";

    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Events events = new Events(broker.url());
        Attacker mallory = new Attacker(broker.url(), cam)) {
      SimulatedDevice[] device = {
        new SimulatedDevice(
            cam,
            dir.resolve(cam),
            broker.url(),
            factory,
            keys,
            "linux-x86_64",
            0,
            Map.of(),
            modelsExtra)
      };
      Supplier<Map<String, Object>> health = () -> device[0].models.metrics();
      // The steady stream: an event every 20 ms through the device's uplink, for the whole test.
      AtomicInteger published = new AtomicInteger();
      AtomicBoolean streaming = new AtomicBoolean(true);
      Object deviceLock = new Object();
      Thread stream =
          new Thread(
              () -> {
                while (streaming.get()) {
                  synchronized (deviceLock) {
                    long now = System.currentTimeMillis();
                    int n = published.get();
                    device[0].uplink.publish(
                        new Event(
                            "line_crossing",
                            "line-1",
                            "gate",
                            "person",
                            n,
                            0.9f,
                            null,
                            now - 500,
                            now,
                            Priority.EVENT,
                            Map.of(),
                            null));
                    published.incrementAndGet();
                  }
                  try {
                    Thread.sleep(20);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "event-stream");
      stream.start();
      mallory.awaitAnswering(cam);
      long heapBefore = usedHeapAfterGc();
      StringBuilder report = new StringBuilder();
      long now = System.currentTimeMillis();

      events.phase = "replay";
      // 1. A signed command is replayed by someone who saw it.
      byte[] cancel =
          command(consoleKey, cam, "EXEC", "cancel", "c-1", Map.of(), now, now + 300_000);
      mallory.publish(base + "EXEC/cancel", cancel);
      assertEquals(
          409L,
          mallory.reply("c-1").longMetric("response.code"),
          "the original is accepted (no job to cancel)");
      long t = System.nanoTime();
      mallory.publish(base + "EXEC/cancel", cancel);
      KuraPayload replayed = mallory.reply("c-1");
      assertEquals(403L, replayed.longMetric("response.code"));
      assertTrue(refusal(replayed).contains("replayed"), refusal(replayed));
      report.append(
          String.format(
              Locale.ROOT,
              "replay: %s (%d ms)%n",
              refusal(replayed),
              (System.nanoTime() - t) / 1_000_000));

      events.phase = "expired";
      // 2. An expired one, and one not valid yet beyond the clock skew.
      mallory.publish(
          base + "EXEC/activate",
          command(
              consoleKey,
              cam,
              "EXEC",
              "activate",
              "c-2",
              Map.of(),
              now - 3_600_000,
              now - 1_800_000));
      KuraPayload expired = mallory.reply("c-2");
      assertTrue(
          refusal(expired).startsWith("403") && refusal(expired).contains("expired"),
          refusal(expired));
      mallory.publish(
          base + "EXEC/activate",
          command(
              consoleKey,
              cam,
              "EXEC",
              "activate",
              "c-3",
              Map.of(),
              now + 1_800_000,
              now + 3_600_000));
      KuraPayload future = mallory.reply("c-3");
      assertTrue(
          refusal(future).startsWith("403") && refusal(future).contains("not valid yet"),
          refusal(future));
      report
          .append("expired: ")
          .append(refusal(expired))
          .append("\nfuture: ")
          .append(refusal(future))
          .append('\n');

      events.phase = "foreign";
      // 3. A rollback signed for another device, published on this one's topic.
      mallory.publish(
          base + "EXEC/rollback",
          command(consoleKey, "cam-02", "EXEC", "rollback", "c-4", Map.of(), now, now + 300_000));
      KuraPayload foreign = mallory.reply("c-4");
      assertTrue(
          refusal(foreign).startsWith("403") && refusal(foreign).contains("not for this device"),
          refusal(foreign));
      report.append("foreign: ").append(refusal(foreign)).append('\n');

      events.phase = "internal-url";
      // 4. A (validly signed) PUT whose URL points inside: never fetched, reported without the
      // address.
      mallory.publish(
          base + "PUT/package",
          command(
              consoleKey,
              cam,
              "PUT",
              "package",
              "c-5",
              Map.of(
                  ModelProtocol.JOB_ID,
                  "inside",
                  ModelProtocol.PACKAGE_SHA256,
                  ModelPackage.sha256Of(pkg),
                  ModelProtocol.PACKAGE_SIZE,
                  Files.size(pkg),
                  ModelProtocol.TRANSPORT,
                  "https",
                  ModelProtocol.URL,
                  "https://127.0.0.1:" + broker.port() + "/package.zip"),
              now,
              now + 300_000));
      KuraPayload failed = null;
      long deadline = System.currentTimeMillis() + 20_000;
      while (failed == null && System.currentTimeMillis() < deadline) {
        KuraPayload p = mallory.installs.poll(100, TimeUnit.MILLISECONDS);
        if (p != null
            && "inside".equals(p.stringMetric(ModelProtocol.JOB_ID))
            && "FAILED".equals(p.stringMetric("status"))) {
          failed = p;
        }
      }
      assertTrue(failed != null, "the internal URL was reported");
      assertEquals("url_refused", failed.stringMetric("reason"));
      assertTrue(
          !failed.stringMetric("message").contains("127.0.0.1"), failed.stringMetric("message"));
      assertEquals(1L, health.get().get("model_urls_refused"));
      report
          .append("internal URL: ")
          .append(failed.stringMetric("reason"))
          .append(": ")
          .append(failed.stringMetric("message"))
          .append('\n');

      // 4b. A (signed) PUT whose server trickles a byte every 200 ms: cut by the rate window, the
      // job fails.
      events.phase = "trickle";
      t = System.nanoTime();
      mallory.publish(
          base + "PUT/package",
          command(
              consoleKey,
              cam,
              "PUT",
              "package",
              "c-6",
              Map.of(
                  ModelProtocol.JOB_ID,
                  "trickle",
                  ModelProtocol.PACKAGE_SHA256,
                  ModelPackage.sha256Of(pkg),
                  ModelProtocol.PACKAGE_SIZE,
                  Files.size(pkg),
                  ModelProtocol.TRANSPORT,
                  "https",
                  ModelProtocol.URL,
                  trickler.url()),
              System.currentTimeMillis(),
              System.currentTimeMillis() + 300_000));
      KuraPayload trickled = null;
      deadline = System.currentTimeMillis() + 30_000;
      while (trickled == null && System.currentTimeMillis() < deadline) {
        KuraPayload p = mallory.installs.poll(100, TimeUnit.MILLISECONDS);
        if (p != null
            && "trickle".equals(p.stringMetric(ModelProtocol.JOB_ID))
            && "FAILED".equals(p.stringMetric("status"))) {
          trickled = p;
        }
      }
      assertTrue(trickled != null, "the trickled download was given up");
      report.append(
          String.format(
              Locale.ROOT,
              "trickling server: %s after %d ms, %d requests, %d bytes trickled: %s%n",
              trickled.stringMetric("reason"),
              (System.nanoTime() - t) / 1_000_000,
              trickler.requests.get(),
              trickler.bytesSent.get(),
              trickled.stringMetric("message")));
      trickler.close();

      events.phase = "rollout";
      // 5. A real rollout, and the attacker answers every chunk request first with forged bytes.
      mallory.injecting.set(true);
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      RolloutState plan = new RolloutState();
      plan.rolloutId = "tiny-yolox-2.0.0";
      plan.packageFile = pkg.toString();
      plan.packageSha256 = ModelPackage.sha256Of(pkg);
      plan.packageSize = Files.size(pkg);
      plan.modelName = "tiny-yolox";
      plan.modelVersion = "2.0.0";
      plan.transport = "mqtt";
      plan.targets = List.of(cam);
      plan.stages = List.of(1.0);
      plan.haltOnFailure = 0.5;
      plan.maxAttempts = 1;
      plan.retryDelayMillis = 200;
      plan.attemptTimeoutMillis = 60_000;
      t = System.nanoTime();
      try (FleetConsole console =
          ConsoleKeys.signing(
              new FleetConsole(
                  broker.url(),
                  ACCOUNT,
                  "console-1",
                  new PrintStream(log, true, StandardCharsets.UTF_8)),
              keys)) {
        console.printEvery(Duration.ZERO);
        console.connect(Duration.ofSeconds(10));
        console.rollout(plan, dir.resolve("rollout.json"));
        assertTrue(console.await(Duration.ofSeconds(90)), "the rollout settled\n" + log);
        assertEquals(Phase.DONE, console.state().devices.get(cam).phase, log.toString());
      }
      mallory.injecting.set(false);
      long rolloutMillis = (System.nanoTime() - t) / 1_000_000;
      assertEquals("2.0.0", device[0].activeVersion());
      long rejected = (Long) health.get().get("model_chunks_rejected");
      assertTrue(
          mallory.injected.get() > 0 && rejected > 0,
          "forged " + mallory.injected + ", rejected " + rejected);
      report.append(
          String.format(
              Locale.ROOT,
              "injected chunks: %d forged, %d refused by the signed hash list, "
                  + "rollout done in %d ms with the right model%n",
              mallory.injected.get(),
              rejected,
              rolloutMillis));

      events.phase = "restart";
      // 6. A malformed key file in each trust directory, and the device restarts.
      Files.writeString(
          keys.resolve("broken.pub"),
          "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n");
      Files.write(ConsoleKeys.dirFor(keys).resolve("zero.pub"), new byte[0]);
      events.gapBeforeRestartMillis = events.maxGapMillis;
      t = System.nanoTime();
      synchronized (deviceLock) {
        device[0].close();
        device[0] =
            new SimulatedDevice(
                cam,
                dir.resolve(cam),
                broker.url(),
                factory,
                keys,
                "linux-x86_64",
                0,
                Map.of(),
                modelsExtra);
      }
      assertEquals(
          "2.0.0", device[0].activeVersion(), "the installed model survives the broken key files");
      assertEquals(2L, health.get().get("model_keys_skipped"));
      report.append(
          String.format(
              Locale.ROOT,
              "malformed keys: 2 skipped, model %s kept, restart %d ms%n",
              device[0].activeVersion(),
              (System.nanoTime() - t) / 1_000_000));

      // 7. The operator's own rollback, through the CLI: a signed token for this device only. The
      // restarted
      // device subscribes after it connects; a command published before that reaches nobody (seen
      // once: "no
      // reply within 60 s", the device's subscription logged after the CLI's publish).
      mallory.awaitAnswering(cam);
      events.phase = "fleet-exec-rollback";
      int code =
          new picocli.CommandLine(new FleetCommand())
              .execute(
                  "exec",
                  "--broker",
                  broker.url(),
                  "--account",
                  ACCOUNT,
                  "--device",
                  cam,
                  "--console-key",
                  ConsoleKeys.dirFor(keys).resolve("console.key").toString(),
                  "rollback");
      assertEquals(0, code, "fleet exec rollback");
      assertEquals("1.0.0", device[0].activeVersion());
      report
          .append("fleet exec rollback: exit 0, back to ")
          .append(device[0].activeVersion())
          .append('\n');

      // The stream goes on a moment, then every event must be at the broker.
      int target = published.get() + 25;
      while (published.get() < target) {
        Thread.sleep(20);
      }
      streaming.set(false);
      stream.join(5_000);
      int sent = published.get();
      deadline = System.currentTimeMillis() + 30_000;
      while (events.tracks.size() < sent && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      long heapAfter = usedHeapAfterGc();
      report.append(
          String.format(
              Locale.ROOT,
              "events: %d published, %d arrived, %d out of seq order; longest gap "
                  + "between two arrivals %d ms during attacks 1-5, %d ms including the restart (in phase %s); heap %d -> %d MiB%n",
              sent,
              events.tracks.size(),
              events.outOfOrder.get(),
              events.gapBeforeRestartMillis,
              events.maxGapMillis,
              events.maxGapAt,
              heapBefore >> 20,
              heapAfter >> 20));
      report
          .append("longest gap between two event arrivals per phase (ms): ")
          .append(events.gaps)
          .append('\n');
      report.append("health: ").append(health.get()).append('\n');
      System.out.print(report);
      assertEquals(sent, events.tracks.size(), "every event arrived");
      assertEquals(0, events.outOfOrder.get(), "in seq order");
      assertTrue(
          heapAfter - heapBefore < 128L << 20,
          "heap grew " + ((heapAfter - heapBefore) >> 20) + " MiB");
      device[0].close();
    }
  }
}
