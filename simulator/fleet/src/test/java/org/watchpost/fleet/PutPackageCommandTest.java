// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.packaging.SigningKeys;
import org.watchpost.models.protocol.BlockHashes;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * Issue 17: the signed PUT package of the real yolox-nano package (3.39 MB) as the console sends it
 * over MQTT. Its hash list crosses a thin link before the first chunk, so the console hashes blocks
 * as large as the 4 KiB chunks devices ask for, not 2 KiB blocks that two by two make up each chunk
 * anyway.
 */
class PutPackageCommandTest {
  @Test
  void theSignedPutForTheYoloxPackageHashesBlocksOfTheDevicesChunkSize() throws Exception {
    Path dir = SharedData.scratchDirectory("put-package-command");
    KeyPair release = SigningKeys.generate();
    KeyPair console = SigningKeys.generate();
    Path pkg = dir.resolve("yolox-nano-0.1.2.zip");
    new PackageBuilder(TestModels.yoloxNanoManifest())
        .version("0.1.2")
        .build(pkg, release.getPrivate(), release.getPublic());
    RolloutState plan = new RolloutState();
    plan.rolloutId = "r1";
    plan.packageFile = pkg.toString();
    plan.packageSha256 = ModelPackage.sha256Of(pkg);
    plan.packageSize = Files.size(pkg);
    plan.transport = ModelProtocol.TRANSPORT_MQTT;

    int before = command(plan, 2048, console).length;
    int block = BlockHashes.blockSizeFor(plan.packageSize, FleetConsole.DEFAULT_BLOCK_SIZE);
    byte[] after = command(plan, block, console);
    long blocks = (plan.packageSize + block - 1) / block;
    System.out.printf(
        Locale.ROOT,
        "PUT package for %d B: %d B with 2048 B blocks, %d B with %d B blocks "
            + "(%.1f s and %.1f s at 9,600 bit/s)%n",
        plan.packageSize,
        before,
        after.length,
        block,
        before * 8 / 9600.0,
        after.length * 8 / 9600.0);
    assertEquals(4096, block, "blocks as large as the chunks devices ask for");
    assertTrue(
        after.length < blocks * 32 + 1024,
        after.length + " B: the hash list and at most 1 KiB of metrics");
    assertTrue(after.length * 2 < before + 1024, after.length + " B against " + before + " B");
  }

  private static byte[] command(RolloutState plan, int block, KeyPair key) throws Exception {
    return KuraPayloadCodec.encode(
        FleetConsole.payload(
            "console-1",
            "camera-1",
            "PUT",
            ModelProtocol.RESOURCE_PACKAGE,
            "1",
            FleetConsole.putPackageMetrics(plan, 1, block),
            BlockHashes.of(Path.of(plan.packageFile), block),
            key.getPrivate(),
            key.getPublic(),
            Duration.ofMinutes(15)));
  }
}
