// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.Response;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.models.protocol.ModelProtocol.Status;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TinyOnnx;

/**
 * Issue 17: the block size of the signed hash list travels in the command, so a console may hash
 * blocks as large as the chunks the device asks for (half the hash list of 2 KiB blocks for a
 * device asking 4 KiB) while a command with the old 2 KiB blocks still installs; with either, a
 * tampered chunk is refused. The block size and the hash count are network input: outside their
 * limits the PUT is refused with the reason.
 */
class BlockSizeTest {
  private static final Set<Status> END =
      Set.of(Status.COMPLETED, Status.FAILED, Status.ROLLED_BACK, Status.INSTALLED);

  private static Path pack(Path dir, KeyPair key) throws Exception {
    Path model =
        Fixtures.modelDir(
            dir.resolve("v2"),
            "tiny-yolox",
            "2.0.0",
            TinyOnnx.model(TinyOnnx.onePerson()),
            List.of("linux-x86_64", "linux-aarch64"));
    byte[] calibration = new byte[60 * 1024];
    new java.util.Random(5).nextBytes(calibration);
    Files.write(dir.resolve("calibration.bin"), calibration);
    Path pkg = dir.resolve("v2.zip");
    new PackageBuilder(model)
        .file("calibration.bin", dir.resolve("calibration.bin"))
        .build(pkg, key.getPrivate(), key.getPublic());
    return pkg;
  }

  @ParameterizedTest
  @ValueSource(ints = {2048, 4096})
  void blocksOfTheOldOrTheChunkSizeInstallAndATamperedChunkIsRefused(int block) throws Exception {
    Path dir = SharedData.scratchDirectory("models-block-size-" + block);
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"),
            factory,
            dir.resolve("keys"),
            Map.of("chunk_bytes", 4096),
            s -> s)) {
      Path pkg = pack(dir, key);
      Request put = Console.putMqtt(pkg, "blocks-" + block, true, Map.of(), block);
      long blocks = (Files.size(pkg) + block - 1) / block;
      assertEquals(blocks * 32, put.body().length);
      System.out.printf(
          "block size %d: %d B package, hash list %d B (%d blocks)%n",
          block, Files.size(pkg), put.body().length, blocks);
      device.channel.pause(true);
      device.channel.serve(device.manager, pkg);
      assertEquals(200, device.handle(put).code());
      // The first chunk the device asks for (4 KiB: two old blocks or one new), one byte changed.
      byte[] tampered = Arrays.copyOf(Files.readAllBytes(pkg), 4096);
      tampered[4095] ^= 1;
      device.manager.handle(
          new Request(
              ModelProtocol.APP_ID,
              "PUT",
              List.of(ModelProtocol.RESOURCE_CHUNK),
              null,
              null,
              Map.of(ModelProtocol.JOB_ID, "blocks-" + block, ModelProtocol.OFFSET, 0L),
              tampered));
      device.manager.awaitIdle(10_000);
      Map<String, Object> health = device.manager.snapshot();
      assertEquals(0L, health.get(ModelProtocol.OFFSET), "nothing tampered was written: " + health);
      assertEquals(1L, health.get("chunks_rejected"), health.toString());
      assertTrue(
          String.valueOf(health.get("last_refusal"))
              .contains(
                  "block "
                      + (4096 / block - 1)
                      + " does not have the SHA-256 the signed package listed"),
          health.toString());
      device.channel.pause(false);
      device.manager.linkUp();
      Notification done = device.await("blocks-" + block, END, 60_000);
      assertEquals("COMPLETED", done.metrics().get("status"), done.toString());
    }
  }

  @Test
  void blockSizesAndHashCountsOutsideTheLimitsAreRefusedWithTheReason() throws Exception {
    Path dir = SharedData.scratchDirectory("models-block-limits");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    try (TestDevice device =
        new TestDevice(
            dir.resolve("state"),
            factory,
            dir.resolve("keys"),
            Map.of("chunk_bytes", 4096),
            s -> s)) {
      Path pkg = pack(dir, key);
      Request good = Console.putMqtt(pkg, "limits", true, Map.of(), 4096);
      for (long size : new long[] {0, 255, 262_145, 1L << 40, -4096}) {
        Response r = device.handle(withBlockSize(good, size, good.body()));
        assertEquals(400, r.code(), "block size " + size);
        assertTrue(refusal(r).contains("block.size (256..262144)"), refusal(r));
      }
      Map<String, Object> none = new LinkedHashMap<>(good.metrics());
      none.remove(ModelProtocol.BLOCK_SIZE);
      Response missing =
          device.handle(
              new Request(
                  good.appId(),
                  good.method(),
                  good.resources(),
                  good.requestId(),
                  good.requesterClientId(),
                  none,
                  good.body()));
      assertEquals(400, missing.code());
      assertTrue(refusal(missing).contains("block.size (256..262144)"), refusal(missing));
      long blocks = (Files.size(pkg) + 4095) / 4096;
      for (byte[] body :
          new byte[][] {
            null,
            new byte[0],
            Arrays.copyOf(good.body(), good.body().length - 32),
            Arrays.copyOf(good.body(), good.body().length + 32),
            Arrays.copyOf(good.body(), good.body().length - 1)
          }) {
        Response r = device.handle(withBlockSize(good, 4096, body));
        assertEquals(400, r.code());
        assertTrue(
            refusal(r).contains("the SHA-256 of each of the " + blocks + " blocks of 4096 bytes"),
            refusal(r));
      }
      // A block size so small that the package has more blocks than a hash list may hold.
      Map<String, Object> big = new LinkedHashMap<>(good.metrics());
      big.put(ModelProtocol.PACKAGE_SIZE, 256L * ModelProtocol.MAX_BLOCKS + 1);
      big.put(ModelProtocol.BLOCK_SIZE, 256);
      Response tooMany =
          device.handle(
              new Request(
                  good.appId(),
                  good.method(),
                  good.resources(),
                  good.requestId(),
                  good.requesterClientId(),
                  big,
                  new byte[32]));
      assertEquals(400, tooMany.code());
      assertTrue(
          refusal(tooMany).contains("at most " + ModelProtocol.MAX_BLOCKS + " blocks"),
          refusal(tooMany));
      assertEquals(200, device.handle(good).code(), "the device still takes a good command");
    }
  }

  private static Request withBlockSize(Request r, long blockSize, byte[] body) {
    Map<String, Object> m = new LinkedHashMap<>(r.metrics());
    m.put(ModelProtocol.BLOCK_SIZE, blockSize);
    return new Request(
        r.appId(), r.method(), r.resources(), r.requestId(), r.requesterClientId(), m, body);
  }

  private static String refusal(Response r) {
    return String.valueOf(r.metrics().get(Response.EXCEPTION_MESSAGE));
  }
}
