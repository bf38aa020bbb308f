// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.Request;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.protocol.ModelProtocol.Status;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TinyOnnx;

/**
 * A package fetched over HTTPS (a server of the test's own, certificate made at test time) whose
 * link drops once: the next attempt asks for the rest with a Range request, the whole is checked
 * against the announced SHA-256, and the model is installed. A server that sends another file is
 * caught by that hash.
 */
class HttpsTransferTest {

  @Test
  void aDroppedDownloadResumesWithRangeAndInstalls() throws Exception {
    long t0 = System.nanoTime();
    Path dir = SharedData.scratchDirectory("models-https");
    KeyPair key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    Path v2 = Fixtures.tinyModel(dir.resolve("v2"), "2.0.0", TinyOnnx.onePerson());
    byte[] calibration = new byte[1 << 20];
    new Random(3).nextBytes(calibration);
    Files.write(dir.resolve("v2/calibration.bin"), calibration);
    Path pkg = dir.resolve("v2.zip");
    new PackageBuilder(v2)
        .file("calibration.bin", dir.resolve("v2/calibration.bin"))
        .build(pkg, key.getPrivate(), key.getPublic());
    try (PackageServer server = new PackageServer(dir.resolve("https"), pkg, 2L << 20);
        TestDevice device =
            new TestDevice(
                dir.resolve("state"),
                factory,
                dir.resolve("keys"),
                Map.of(
                    "https_ca_file",
                    server.caFile().toString(),
                    "transfer_attempts",
                    5,
                    "https_timeout_s",
                    2),
                s -> s)) {
      System.out.printf(
          "https: server and device ready after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      server.cutNext(1, 0.4);
      var response =
          device.handle(
              new Request(
                  "MODEL-V1",
                  "PUT",
                  List.of("package"),
                  "r1",
                  "console",
                  Map.of(
                      "job.id",
                      "https-1",
                      "package.sha256",
                      ModelPackage.sha256Of(pkg),
                      "package.size",
                      Files.size(pkg),
                      "transport",
                      "https",
                      "url",
                      server.url()),
                  null));
      assertEquals(200, response.code(), response.toString());
      Notification done =
          device.await(
              "https-1", Set.of(Status.COMPLETED, Status.FAILED, Status.ROLLED_BACK), 60_000);
      assertEquals("COMPLETED", done.metrics().get("status"), done.toString());
      System.out.printf("https: installed after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
      assertEquals("2.0.0", device.activeVersion());
      assertEquals(
          2,
          server.rangeStarts.size(),
          "the cut response and the one that finished: " + server.rangeStarts);
      assertEquals(0L, server.rangeStarts.get(0));
      assertTrue(
          server.rangeStarts.get(1) > 0,
          "the second attempt resumed where the first stopped: " + server.rangeStarts);
      assertTrue(
          server.bytesServed < Files.size(pkg) * 1.1,
          "nothing was fetched twice: " + server.bytesServed);
      assertTrue(
          device.channel.installs(n -> "DOWNLOADING".equals(n.metrics().get("status"))).size() >= 2,
          "progress was reported while it ran");

      // Another file at the URL than the one announced: caught by the package hash, the model
      // stays.
      Path other = dir.resolve("other.zip");
      Files.copy(pkg, other);
      var wrong =
          device.handle(
              new Request(
                  "MODEL-V1",
                  "PUT",
                  List.of("package"),
                  "r2",
                  "console",
                  Map.of(
                      "job.id",
                      "https-2",
                      "package.sha256",
                      "0".repeat(64),
                      "package.size",
                      Files.size(pkg),
                      "transport",
                      "https",
                      "url",
                      server.url()),
                  null));
      assertEquals(200, wrong.code());
      Notification rejected =
          device.await("https-2", Set.of(Status.COMPLETED, Status.FAILED), 30_000);
      assertEquals("hash_mismatch", rejected.metrics().get("reason"), rejected.toString());
      assertEquals("2.0.0", device.activeVersion());
    }
  }
}
