// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.watchpost.api.detect.LoadedModel;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.api.detect.ServingStats;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.Response;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.models.protocol.ModelProtocol.Status;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TinyOnnx;

/**
 * Issue 12, items 2 and 7 on one device (real detector, real model manager, no broker): what
 * someone who can publish to the device's topics may try, and the faults that used to wedge
 * updates. Each case checks the reason the device gives (reply or health) and that it goes on
 * taking legitimate work afterwards.
 */
class HostileRequestsTest {
  private static final Set<Status> END =
      Set.of(Status.COMPLETED, Status.FAILED, Status.ROLLED_BACK, Status.INSTALLED);

  private static Request exec(String what, Map<String, Object> metrics) {
    return new Request(
        ModelProtocol.APP_ID, "EXEC", List.of(what), "x-" + what, "console", metrics, null);
  }

  private static Path pack(
      Path dir, String name, String version, float[] constant, KeyPair key, boolean rollback)
      throws Exception {
    Path manifest =
        Fixtures.modelDir(
            dir.resolve(name + "-" + version),
            name,
            version,
            TinyOnnx.model(constant),
            List.of("linux-x86_64", "linux-aarch64"));
    Path out = dir.resolve(name + "-" + version + (rollback ? "-rollback" : "") + ".zip");
    new PackageBuilder(manifest)
        .golden(
            "golden/0001.jpg",
            Fixtures.goldenImage(dir.resolve("golden")),
            Fixtures.personOverAll(),
            1.0)
        .rollback(rollback)
        .build(out, key.getPrivate(), key.getPublic());
    return out;
  }

  private static String refusal(Response r) {
    return String.valueOf(r.metrics().get(Response.EXCEPTION_MESSAGE));
  }

  @Test
  void unsignedForeignExpiredFutureAndReplayedCommandsAreRefusedAlsoAfterARestart()
      throws Exception {
    Path dir = SharedData.scratchDirectory("models-hostile-auth");
    Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    Console console = new Console(dir.resolve("console-keys"));
    String self = new RecordingChannel().clientId();
    Request activate = exec("activate", Map.of());
    long now = System.currentTimeMillis();
    Request signed = console.sign(activate, self);
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"), factory, dir.resolve("keys"), Map.of(), s -> s, console)) {
      Response unsigned = device.manager.handle(activate);
      assertEquals(403, unsigned.code());
      assertTrue(refusal(unsigned).contains("unsigned"), refusal(unsigned));

      Response foreign = device.manager.handle(console.sign(activate, "camera-0042"));
      assertEquals(403, foreign.code());
      assertTrue(refusal(foreign).contains("not for this device"), refusal(foreign));

      Response expired =
          device.manager.handle(console.sign(activate, self, now - 1_200_000, now - 600_000));
      assertEquals(403, expired.code());
      assertTrue(refusal(expired).contains("expired"), refusal(expired));

      Response future =
          device.manager.handle(console.sign(activate, self, now + 600_000, now + 1_200_000));
      assertEquals(403, future.code());
      assertTrue(refusal(future).contains("not valid yet"), refusal(future));

      Response forever =
          device.manager.handle(console.sign(activate, self, now, now + 10L * 86_400_000));
      assertEquals(403, forever.code(), "a signed command valid for ten days");

      Response rollbackForAll =
          device.manager.handle(
              console.sign(exec("rollback", Map.of()), ModelProtocol.EVERY_DEVICE));
      assertEquals(403, rollbackForAll.code());
      assertTrue(refusal(rollbackForAll).contains("must name the device"), refusal(rollbackForAll));

      Map<String, Object> tampered = new java.util.HashMap<>(signed.metrics());
      tampered.put("job.id", "other");
      Response modified =
          device.manager.handle(
              new Request(
                  signed.appId(),
                  signed.method(),
                  signed.resources(),
                  signed.requestId(),
                  signed.requesterClientId(),
                  tampered,
                  null));
      assertEquals(403, modified.code());
      assertTrue(refusal(modified).contains("does not match"), refusal(modified));

      Response first = device.manager.handle(signed);
      assertEquals(409, first.code(), "accepted (nothing to activate): " + first);
      Response replay = device.manager.handle(signed);
      assertEquals(403, replay.code());
      assertTrue(refusal(replay).contains("replayed"), refusal(replay));

      Map<String, Object> health = device.manager.snapshot();
      System.out.println("hostile auth: health " + health);
      assertEquals(8L, health.get("commands_refused"));
      assertTrue(String.valueOf(health.get("last_refusal")).contains("replayed"));
      assertEquals(1L, health.get("nonces"));
    }
    try (TestDevice again =
        new TestDevice(
            dir.resolve("state"), factory, dir.resolve("keys"), Map.of(), s -> s, console)) {
      Response replay = again.manager.handle(signed);
      assertEquals(403, replay.code(), "the nonce is remembered across a restart");
      assertTrue(refusal(replay).contains("replayed"), refusal(replay));
      assertEquals(409, again.handle(activate).code(), "a fresh command is still accepted");
    }
  }

  @Test
  void theVersionFloorHoldsAcrossModelNamesAndOnlyADeviceScopedTokenLowersIt() throws Exception {
    Path dir = SharedData.scratchDirectory("models-hostile-floor");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    try (TestDevice device =
        new TestDevice(dir.resolve("state"), factory, dir.resolve("keys"), Map.of(), s -> s)) {
      Path v12 = pack(dir, "tiny-yolox", "1.2.0", TinyOnnx.onePerson(), key, false);
      assertEquals("COMPLETED", device.install(v12, "floor-1", END).metrics().get("status"));

      // Another model name in between: the floor of tiny-yolox stays 1.2.0.
      Path other = pack(dir, "other-net", "1.0.0", TinyOnnx.onePerson(), key, false);
      assertEquals("COMPLETED", device.install(other, "floor-2", END).metrics().get("status"));
      Path v11 = pack(dir, "tiny-yolox", "1.1.0", TinyOnnx.onePerson(), key, false);
      Notification below = device.install(v11, "floor-3", END);
      assertEquals("downgrade", below.metrics().get("reason"), below.toString());
      assertTrue(
          String.valueOf(below.metrics().get("message")).contains("floor 1.2.0"), below.toString());

      // A package signed with rollback: true is not enough any more...
      Path v11r = pack(dir, "tiny-yolox", "1.1.0", TinyOnnx.onePerson(), key, true);
      Notification noToken = device.install(v11r, "floor-4", END);
      assertEquals("downgrade", noToken.metrics().get("reason"), noToken.toString());
      // ... a rollback token for every device is refused at once ...
      device.channel.serve(device.manager, v11r);
      Response forAll =
          device.manager.handle(
              device.console.sign(
                  Console.putMqtt(v11r, "floor-5", true, Map.of(ModelProtocol.ROLLBACK, true)),
                  ModelProtocol.EVERY_DEVICE));
      assertEquals(403, forAll.code(), forAll.toString());
      // ... and one for this device, short-lived, lets it in.
      Response token =
          device.handle(
              Console.putMqtt(v11r, "floor-6", true, Map.of(ModelProtocol.ROLLBACK, true)));
      assertEquals(200, token.code(), token.toString());
      assertEquals("COMPLETED", device.await("floor-6", END, 60_000).metrics().get("status"));
      assertEquals("1.1.0", device.activeVersion());
      String state = Files.readString(device.stateDir.resolve("state.json"));
      assertTrue(
          state.replaceAll("\\s+", "").contains("\"tiny-yolox\":\"1.1.0\""),
          "the token lowered the floor: " + state);
      System.out.println(
          "hostile floor: state "
              + Files.readString(device.stateDir.resolve("state.json"))
                  .replaceAll("\\s+", " ")
                  .replaceAll(".*\"floors\"", "floors"));
    }
  }

  @Test
  void injectedChunksAreRefusedAndTheRealOnesStillInstall() throws Exception {
    Path dir = SharedData.scratchDirectory("models-hostile-chunks");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"),
            factory,
            dir.resolve("keys"),
            Map.of("chunk_bytes", 4096),
            s -> s)) {
      Path model =
          Fixtures.modelDir(
              dir.resolve("v2"),
              "tiny-yolox",
              "2.0.0",
              TinyOnnx.model(TinyOnnx.onePerson()),
              List.of("linux-x86_64", "linux-aarch64"));
      byte[] calibration = new byte[40 * 1024];
      new java.util.Random(5).nextBytes(calibration);
      Files.write(dir.resolve("calibration.bin"), calibration);
      Path v2 = dir.resolve("v2.zip");
      new PackageBuilder(model)
          .file("calibration.bin", dir.resolve("calibration.bin"))
          .build(v2, key.getPrivate(), key.getPublic());
      device.channel.pause(true);
      assertEquals(200, device.put(v2, "chunks-1", true).code());
      // A third client answers every chunk the device may ask for, each with a matching
      // chunk.sha256 of its own.
      java.util.Random random = new java.util.Random(7);
      int injected = 0;
      for (long offset = 0; offset < Files.size(v2); offset += Console.BLOCK) {
        byte[] forged = new byte[(int) Math.min(Console.BLOCK, Files.size(v2) - offset)];
        random.nextBytes(forged);
        device.manager.handle(
            new Request(
                ModelProtocol.APP_ID,
                "PUT",
                List.of(ModelProtocol.RESOURCE_CHUNK),
                null,
                null,
                Map.of(
                    ModelProtocol.JOB_ID,
                    "chunks-1",
                    ModelProtocol.OFFSET,
                    offset,
                    ModelProtocol.CHUNK_SHA256,
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(forged))),
                forged));
        injected++;
      }
      device.manager.awaitIdle(10_000);
      Map<String, Object> health = device.manager.snapshot();
      assertEquals(0L, health.get(ModelProtocol.OFFSET), "nothing injected was written: " + health);
      assertEquals((long) injected, health.get("chunks_rejected"), health.toString());
      assertTrue(
          String.valueOf(health.get("last_refusal")).contains("SHA-256 the signed package listed"),
          health.toString());
      device.channel.pause(false);
      device.manager.linkUp();
      Notification done = device.await("chunks-1", END, 60_000);
      assertEquals("COMPLETED", done.metrics().get("status"), done.toString());
      try (ModelPackage p =
          ModelPackage.open(
              v2,
              org.watchpost.models.packaging.PackageLimits.DEFAULT,
              org.watchpost.models.packaging.TrustedKeys.load(dir.resolve("keys")))) {
        assertEquals(p.manifest().model().sha256(), device.detector.active().info().sha256());
      }
      System.out.println(
          "hostile chunks: "
              + injected
              + " forged chunks refused; health "
              + device.manager.snapshot());
    }
  }

  @Test
  void aPackageThatFailedValidationCannotBeActivatedFromTheCandidateSlot() throws Exception {
    Path dir = SharedData.scratchDirectory("models-hostile-candidate");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    try (TestDevice device =
        new TestDevice(dir.resolve("state"), factory, dir.resolve("keys"), Map.of(), s -> s)) {
      Path good = pack(dir, "tiny-yolox", "2.0.0", TinyOnnx.onePerson(), key, false);
      device.put(good, "cand-1", false);
      assertEquals("INSTALLED", device.await("cand-1", END, 60_000).metrics().get("status"));
      Path bad = pack(dir, "tiny-yolox", "2.1.0", TinyOnnx.everywhere(), key, false);
      device.put(bad, "cand-2", false);
      Notification failed = device.await("cand-2", END, 60_000);
      assertEquals("validation_failed", failed.metrics().get("reason"), failed.toString());
      Response activate = device.handle(exec("activate", Map.of()));
      assertEquals(409, activate.code(), activate.toString());
      assertEquals(
          "1.0.0", device.activeVersion(), "the package that failed validation does not serve");
      // A good candidate is still activated on request, also on a device whose detector has served
      // no call yet.
      Path again = pack(dir, "tiny-yolox", "2.2.0", TinyOnnx.onePerson(), key, false);
      device.put(again, "cand-3", false);
      assertEquals("INSTALLED", device.await("cand-3", END, 60_000).metrics().get("status"));
      Response ok = device.handle(exec("activate", Map.of()));
      assertEquals(200, ok.code(), ok.toString());
      assertEquals("2.2.0", device.activeVersion());
    }
  }

  @Test
  void aMalformedKeyFileIsSkippedAndTheInstalledModelStays() throws Exception {
    Path dir = SharedData.scratchDirectory("models-hostile-keys");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    Console console = new Console(dir.resolve("console-keys"));
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"), factory, dir.resolve("keys"), Map.of(), s -> s, console)) {
      Path v2 = pack(dir, "tiny-yolox", "2.0.0", TinyOnnx.onePerson(), key, false);
      assertEquals("COMPLETED", device.install(v2, "keys-1", END).metrics().get("status"));
    }
    Files.writeString(
        dir.resolve("keys/zz-broken.pub"),
        "-----BEGIN PUBLIC KEY-----\nnot base64 at all!\n-----END PUBLIC KEY-----\n");
    Files.write(dir.resolve("console-keys/garbage.pub"), new byte[] {0, 1, 2, (byte) 0xff});
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"), factory, dir.resolve("keys"), Map.of(), s -> s, console)) {
      assertEquals("2.0.0", device.activeVersion(), "the device still runs what it installed");
      Map<String, Object> health = device.manager.snapshot();
      assertEquals(2L, health.get("keys_skipped"), health.toString());
      assertEquals(
          409, device.handle(exec("activate", Map.of())).code(), "the console key still works");
    }
  }

  @Test
  void aFailedRollbackEndsProbationSoThatInstallsGoOn() throws Exception {
    Path dir = SharedData.scratchDirectory("models-hostile-rollback");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factoryDir = dir.resolve("factory");
    Path factory = Fixtures.tinyModel(factoryDir, "1.0.0", TinyOnnx.onePerson());
    Console console = new Console(dir.resolve("console-keys"));
    Map<String, Object> config = Map.of("probation_s", 600);
    Path v2 = pack(dir, "tiny-yolox", "2.0.0", TinyOnnx.onePerson(), key, false);
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"), factory, dir.resolve("keys"), config, s -> s, console)) {
      assertEquals(
          "PROBATION",
          device
              .install(v2, "rb-1", Set.of(Status.PROBATION, Status.FAILED))
              .metrics()
              .get("status"));
    }
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"), factory, dir.resolve("keys"), config, s -> s, console)) {
      assertEquals("2.0.0", device.activeVersion());
      assertEquals("PROBATION", device.manager.snapshot().get("state"));
      // The model to go back to is gone (a damaged factory partition): the rollback cannot happen.
      SlotStore.deleteTree(factoryDir);
      Response rollback = device.handle(exec("rollback", Map.of()));
      assertEquals(500, rollback.code(), rollback.toString());
      assertEquals("2.0.0", device.activeVersion(), "the model in probation keeps serving");
      assertEquals("IDLE", device.manager.snapshot().get("state"), "probation ended");
      Path v3 = pack(dir, "tiny-yolox", "3.0.0", TinyOnnx.onePerson(), key, false);
      Response next = device.put(v3, "rb-2", true);
      assertEquals(200, next.code(), "the next install is not refused as 'in probation': " + next);
    }
  }

  @Test
  void aStalledTransferIsCancelledOrTimesOutAlsoAfterARestart() throws Exception {
    Path dir = SharedData.scratchDirectory("models-hostile-deadline");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    Console console = new Console(dir.resolve("console-keys"));
    Path v2 = pack(dir, "tiny-yolox", "2.0.0", TinyOnnx.onePerson(), key, false);
    Path v3 = pack(dir, "tiny-yolox", "3.0.0", TinyOnnx.onePerson(), key, false);
    Map<String, Object> config = Map.of("transfer_deadline_s", 2, "chunk_bytes", 4096);
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"), factory, dir.resolve("keys"), config, s -> s, console)) {
      device.channel.pause(true);
      assertEquals(200, device.put(v2, "dl-1", true).code());
      assertEquals(409, device.put(v3, "dl-2", true).code(), "busy with dl-1");
      Response cancel = device.handle(exec("cancel", Map.of(ModelProtocol.JOB_ID, "dl-1")));
      assertEquals(200, cancel.code(), cancel.toString());
      assertEquals("cancelled", device.channel.lastStatus("dl-1").metrics().get("reason"));
      assertEquals(200, device.put(v3, "dl-2", true).code(), "another package can come");
      long t0 = System.nanoTime();
      Notification timedOut = device.await("dl-2", END, 30_000);
      assertEquals("timed_out", timedOut.metrics().get("reason"), timedOut.toString());
      System.out.printf(
          "hostile deadline: stalled transfer abandoned %d ms after the deadline was armed%n",
          (System.nanoTime() - t0) / 1_000_000);
      assertEquals(200, device.put(v2, "dl-3", true).code());
    }
    Thread.sleep(2_100); // past dl-3's deadline while the device is off
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"), factory, dir.resolve("keys"), config, s -> s, console)) {
      device.channel.serve(device.manager, v2);
      assertEquals(
          "IDLE",
          device.manager.snapshot().get("state"),
          "the stale transfer was abandoned at start");
      assertFalse(Files.exists(device.stateDir.resolve("incoming/dl-3.part")));
      device.channel.pause(false);
      assertEquals(200, device.put(v3, "dl-4", true).code());
    }
  }

  @Test
  void aFloodOfChunksAndRequestsIsBoundedAndAnsweredBusy() throws Exception {
    Path dir = SharedData.scratchDirectory("models-hostile-flood");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch loading = new CountDownLatch(1);
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"),
            factory,
            dir.resolve("keys"),
            Map.of("work_queue", 32),
            s -> new BlockingLoads(s, loading, release))) {
      Path v2 = pack(dir, "tiny-yolox", "2.0.0", TinyOnnx.onePerson(), key, false);
      device.put(v2, "flood-1", true);
      assertTrue(loading.await(30, TimeUnit.SECONDS), "the worker is held in the candidate's load");
      Runtime rt = Runtime.getRuntime();
      byte[] chunk = new byte[64 * 1024];
      for (int i = 0; i < 10_000; i++) {
        device.manager.handle(
            new Request(
                ModelProtocol.APP_ID,
                "PUT",
                List.of(ModelProtocol.RESOURCE_CHUNK),
                null,
                null,
                Map.of(ModelProtocol.JOB_ID, "flood-1", ModelProtocol.OFFSET, (long) i),
                chunk));
      }
      Response busy =
          device.manager.handle(
              new Request(
                  ModelProtocol.APP_ID, "GET", List.of("models"), "g", "console", Map.of(), null));
      assertEquals(503, busy.code(), busy.toString());
      Map<String, Object> health = device.manager.snapshot();
      System.out.println("hostile flood: " + health);
      assertTrue((Long) health.get("queue") <= 32, "the queue stayed bounded: " + health);
      assertTrue((Long) health.get("chunks_dropped") >= 10_000 - 32, health.toString());
      assertEquals(1L, health.get("requests_dropped"));
      release.countDown();
      assertEquals("COMPLETED", device.await("flood-1", END, 60_000).metrics().get("status"));
      assertEquals(200, device.get().code());
      assertNotEquals(0L, rt.totalMemory());
    }
  }

  /** Holds the first candidate load until released: a worker busy with a long validation. */
  private static final class BlockingLoads implements ModelSwitch {
    private final ModelSwitch real;
    private final CountDownLatch loading;
    private final CountDownLatch release;

    BlockingLoads(ModelSwitch real, CountDownLatch loading, CountDownLatch release) {
      this.real = real;
      this.loading = loading;
      this.release = release;
    }

    @Override
    public LoadedModel load(Path manifest) throws ModelLoadException {
      loading.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return real.load(manifest);
    }

    @Override
    public LoadedModel active() {
      return real.active();
    }

    @Override
    public LoadedModel activate(LoadedModel model) {
      return real.activate(model);
    }

    @Override
    public ServingStats servingStats() {
      return real.servingStats();
    }
  }
}
