// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.watchpost.api.remote.Notification;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.packaging.PackageSignature;
import org.watchpost.models.packaging.Rejection;
import org.watchpost.models.packaging.SigningKeys;
import org.watchpost.models.protocol.ModelProtocol.Status;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TinyOnnx;

/**
 * Every way a package can be bad, sent to one device over MODEL-V1 in chunks: each is turned down
 * with its reason, and the model that was active stays active, its slot and the pointer file
 * unchanged. One device and one good package serve all cases (tiny models: the real weights are not
 * the point here).
 */
class PackageRejectionTest {
  private static Path dir;
  private static KeyPair key;
  private static TestDevice device;
  private static Path good;
  private static int jobs;

  @BeforeAll
  static void device() throws Exception {
    dir = SharedData.scratchDirectory("models-reject");
    key = Fixtures.trustedKey(dir.resolve("keys"));
    Path factory = Fixtures.tinyModel(dir.resolve("factory"), "1.0.0", TinyOnnx.onePerson());
    device =
        new TestDevice(
            dir.resolve("state"),
            factory,
            dir.resolve("keys"),
            Map.of("max_package_bytes", 1L << 20),
            s -> s);
    // Version 1.1.0 goes in first, so that the rejections below are measured against a model in a
    // slot.
    Path v11 =
        Fixtures.pack(
            Fixtures.tinyModel(dir.resolve("v1.1.0"), "1.1.0", TinyOnnx.onePerson()),
            dir.resolve("v1.1.0.zip"),
            key);
    Notification done =
        device.install(
            v11, "install-1.1.0", Set.of(Status.COMPLETED, Status.FAILED, Status.ROLLED_BACK));
    assertEquals("COMPLETED", done.metrics().get("status"), done.toString());
    good =
        Fixtures.pack(
            Fixtures.tinyModel(dir.resolve("v1.2.0"), "1.2.0", TinyOnnx.onePerson()),
            dir.resolve("v1.2.0.zip"),
            key);
  }

  @AfterAll
  static void stop() {
    if (device != null) {
      device.close();
    }
  }

  private static void assertRejected(Path pkg, Rejection reason, String messagePart)
      throws Exception {
    byte[] stateBefore = Files.readAllBytes(device.stateDir.resolve("state.json"));
    String activeBefore = device.detector.active().info().sha256();
    String job = "reject-" + (++jobs);
    Notification outcome =
        device.install(pkg, job, Set.of(Status.FAILED, Status.COMPLETED, Status.PROBATION));
    assertEquals("FAILED", outcome.metrics().get("status"), outcome.toString());
    assertEquals(reason.code(), outcome.metrics().get("reason"), outcome.toString());
    String message = (String) outcome.metrics().get("message");
    assertTrue(message.contains(messagePart), "'" + message + "' names '" + messagePart + "'");
    assertEquals(
        activeBefore, device.detector.active().info().sha256(), "the active model is untouched");
    assertEquals("1.1.0", device.activeVersion());
    String stateAfter = Files.readString(device.stateDir.resolve("state.json"));
    // Only the history grows; what runs and what to fall back to stay.
    assertEquals(
        field(new String(stateBefore, StandardCharsets.UTF_8), "\"active\""),
        field(stateAfter, "\"active\""));
    assertEquals(
        field(new String(stateBefore, StandardCharsets.UTF_8), "\"previous\""),
        field(stateAfter, "\"previous\""));
    assertTrue(device.manager.snapshot().get("state").equals("IDLE"));
    System.out.println("rejected as " + reason.code() + ": " + message);
  }

  private static String field(String json, String name) {
    int at = json.indexOf(name);
    return json.substring(at, json.indexOf('}', at) + 1);
  }

  /**
   * Rewrites a package entry by entry: {@code edit} may change an entry's bytes or drop it (null).
   */
  private static Path rewrite(
      Path source,
      String name,
      java.util.function.BiFunction<String, byte[], byte[]> edit,
      Map<String, byte[]> extra)
      throws IOException {
    Path out = dir.resolve(name);
    try (ZipFile in = new ZipFile(source.toFile());
        ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
      Enumeration<? extends ZipEntry> entries = in.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        byte[] bytes = edit.apply(e.getName(), in.getInputStream(e).readAllBytes());
        if (bytes != null) {
          zip.putNextEntry(new ZipEntry(e.getName()));
          zip.write(bytes);
          zip.closeEntry();
        }
      }
      for (Map.Entry<String, byte[]> e : extra.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    return out;
  }

  private static byte[] flip(byte[] bytes, int at) {
    byte[] copy = bytes.clone();
    copy[at] ^= 0x01;
    return copy;
  }

  @Test
  void oneFlippedByteInTheModel() throws Exception {
    assertRejected(
        rewrite(
            good,
            "flip-model.zip",
            (n, b) -> n.equals("model.onnx") ? flip(b, b.length / 2) : b,
            Map.of()),
        Rejection.HASH_MISMATCH,
        "model.onnx");
  }

  @Test
  void oneFlippedByteInTheManifest() throws Exception {
    assertRejected(
        rewrite(
            good,
            "flip-manifest.zip",
            (n, b) -> n.equals("manifest.json") ? flip(b, 40) : b,
            Map.of()),
        Rejection.BAD_SIGNATURE,
        "does not match manifest.json");
  }

  @Test
  void oneFlippedByteInTheSignature() throws Exception {
    assertRejected(
        rewrite(
            good,
            "flip-signature.zip",
            (n, b) -> {
              if (!n.equals("manifest.sig")) {
                return b;
              }
              String json = new String(b, StandardCharsets.UTF_8);
              int at = json.indexOf("\"signature\": \"") + 20;
              char c = json.charAt(at);
              return (json.substring(0, at) + (c == 'A' ? 'B' : 'A') + json.substring(at + 1))
                  .getBytes(StandardCharsets.UTF_8);
            },
            Map.of()),
        Rejection.BAD_SIGNATURE,
        "does not match");
  }

  @Test
  void signedByAnUnknownKey() throws Exception {
    KeyPair stranger = SigningKeys.generate();
    Path pkg = dir.resolve("unknown-key.zip");
    new PackageBuilder(dir.resolve("v1.2.0/manifest.json"))
        .build(pkg, stranger.getPrivate(), stranger.getPublic());
    assertRejected(pkg, Rejection.UNKNOWN_KEY, SigningKeys.keyId(stranger.getPublic()));
  }

  @Test
  void olderThanTheActiveModel() throws Exception {
    Path older =
        Fixtures.pack(
            Fixtures.tinyModel(dir.resolve("v1.0.5"), "1.0.5", TinyOnnx.onePerson()),
            dir.resolve("v1.0.5.zip"),
            key);
    assertRejected(older, Rejection.DOWNGRADE, "older than the active 1.1.0");
  }

  @Test
  void aSignedRollbackMayBeOlder() throws Exception {
    Path rollback = dir.resolve("rollback-1.0.7.zip");
    new PackageBuilder(Fixtures.tinyModel(dir.resolve("v1.0.7"), "1.0.7", TinyOnnx.onePerson()))
        .rollback(true)
        .build(rollback, key.getPrivate(), key.getPublic());
    // Checked without installing it, so that the other cases keep 1.1.0 active.
    try (ModelPackage pkg =
        ModelPackage.open(
            rollback,
            org.watchpost.models.packaging.PackageLimits.DEFAULT,
            org.watchpost.models.packaging.TrustedKeys.load(dir.resolve("keys")))) {
      assertTrue(pkg.manifest().rollback());
    }
  }

  @Test
  void anEntryThatClimbsOutOfThePackage() throws Exception {
    assertRejected(
        rewrite(
            good, "traversal.zip", (n, b) -> b, Map.of("../../evil.sh", "#!/bin/sh\n".getBytes())),
        Rejection.UNSAFE_PATH,
        "../../evil.sh");
    assertTrue(
        Files.notExists(device.stateDir.resolve("evil.sh"))
            && Files.notExists(dir.resolve("evil.sh")));
  }

  @Test
  void aSignedManifestThatListsATraversingPath() throws Exception {
    byte[] manifest =
        new String(
                new PackageBuilder(dir.resolve("v1.2.0/manifest.json")).manifestBytes(),
                StandardCharsets.UTF_8)
            .replace("\"LICENSE\"", "\"../LICENSE\"")
            .replace(
                "\"labels.txt\": {",
                "\"../x\": {\"sha256\": \""
                    + "0".repeat(64)
                    + "\", \"size\": 1}, \"labels.txt\": {")
            .getBytes(StandardCharsets.UTF_8);
    Path pkg = dir.resolve("listed-traversal.zip");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(pkg))) {
      zip.putNextEntry(new ZipEntry("manifest.json"));
      zip.write(manifest);
      zip.putNextEntry(new ZipEntry("manifest.sig"));
      zip.write(PackageSignature.sign(manifest, key.getPrivate(), key.getPublic()).toJson());
      zip.closeEntry();
    }
    assertRejected(pkg, Rejection.UNSAFE_PATH, "../x");
  }

  @Test
  void aDecompressionBomb() throws Exception {
    // A signed manifest declares 2 KB for a file that inflates to 64 MB of zeros (64 KB on the
    // wire).
    Path bombDir = dir.resolve("bomb");
    Path manifest = Fixtures.tinyModel(bombDir, "1.3.0", TinyOnnx.onePerson());
    Files.write(bombDir.resolve("notes.txt"), new byte[2048]);
    PackageBuilder builder =
        new PackageBuilder(manifest).file("notes.txt", bombDir.resolve("notes.txt"));
    Path honest = dir.resolve("bomb-honest.zip");
    builder.build(honest, key.getPrivate(), key.getPublic());
    Path pkg = rewrite(honest, "bomb.zip", (n, b) -> n.equals("notes.txt") ? null : b, Map.of());
    try (ZipOutputStream zip = appendTo(pkg)) {
      zip.putNextEntry(new ZipEntry("notes.txt"));
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 64; i++) {
        zip.write(zeros);
      }
      zip.closeEntry();
    }
    assertTrue(Files.size(pkg) < 1 << 20, "the bomb is small on the wire: " + Files.size(pkg));
    assertRejected(pkg, Rejection.DECOMPRESSION_BOMB, "expands past the 2048 bytes");
  }

  /** Re-opens a zip for writing with its entries copied first. */
  private static ZipOutputStream appendTo(Path pkg) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipFile in = new ZipFile(pkg.toFile())) {
      Enumeration<? extends ZipEntry> all = in.entries();
      while (all.hasMoreElements()) {
        ZipEntry e = all.nextElement();
        entries.put(e.getName(), in.getInputStream(e).readAllBytes());
      }
    }
    ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(pkg));
    for (Map.Entry<String, byte[]> e : entries.entrySet()) {
      zip.putNextEntry(new ZipEntry(e.getKey()));
      zip.write(e.getValue());
      zip.closeEntry();
    }
    return zip;
  }

  @Test
  void aTruncatedTransfer() throws Exception {
    byte[] bytes = Files.readAllBytes(good);
    Path cut = dir.resolve("truncated.zip");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 300));
    assertRejected(cut, Rejection.TRUNCATED, "not a complete zip");
  }

  @Test
  void aTransferThatDoesNotMatchWhatWasAnnounced() throws Exception {
    Path other =
        Fixtures.pack(
            Fixtures.tinyModel(dir.resolve("v1.2.1"), "1.2.1", TinyOnnx.onePerson()),
            dir.resolve("v1.2.1.zip"),
            key);
    String job = "reject-announced";
    device.channel.serve(device.manager, other);
    // The blocks are those of the file served; the whole does not have the hash announced.
    var response =
        device.handle(
            Console.putMqtt(
                other, job, true, Map.of("package.sha256", ModelPackage.sha256Of(good))));
    assertEquals(200, response.code());
    Notification outcome =
        device.await(job, Set.of(Status.FAILED, Status.COMPLETED, Status.PROBATION), 30_000);
    assertEquals(
        Rejection.HASH_MISMATCH.code(), outcome.metrics().get("reason"), outcome.toString());
    assertEquals("1.1.0", device.activeVersion());
  }

  @Test
  void builtForAnotherPlatform() throws Exception {
    Path manifest =
        Fixtures.modelDir(
            dir.resolve("armv7"),
            "tiny-yolox",
            "1.4.0",
            TinyOnnx.model(TinyOnnx.onePerson()),
            List.of("linux-armv7"));
    assertRejected(
        Fixtures.pack(manifest, dir.resolve("armv7.zip"), key),
        Rejection.WRONG_PLATFORM,
        "linux-armv7");
  }

  @Test
  void largerThanTheDeviceAccepts() throws Exception {
    Path bigDir = dir.resolve("big");
    Path manifest = Fixtures.tinyModel(bigDir, "1.5.0", TinyOnnx.onePerson());
    byte[] noise = new byte[2 << 20];
    new java.util.Random(1).nextBytes(noise);
    Files.write(bigDir.resolve("calibration.bin"), noise);
    Path pkg = dir.resolve("big.zip");
    new PackageBuilder(manifest)
        .file("calibration.bin", bigDir.resolve("calibration.bin"))
        .build(pkg, key.getPrivate(), key.getPublic());
    String job = "reject-big";
    var response = device.put(pkg, job, true);
    assertEquals(400, response.code(), response.toString());
    assertTrue(
        response.metrics().get("response.exception.message").toString().startsWith("too_large"));
    assertEquals("FAILED", device.channel.lastStatus(job).metrics().get("status"));
    assertEquals("1.1.0", device.activeVersion());
  }

  @Test
  void theSameVersionWithOtherWeights() throws Exception {
    float[] other = TinyOnnx.onePerson();
    other[3] = 0.1f;
    Path manifest = Fixtures.tinyModel(dir.resolve("v1.1.0-other"), "1.1.0", other);
    assertRejected(
        Fixtures.pack(manifest, dir.resolve("v1.1.0-other.zip"), key),
        Rejection.VERSION_CONFLICT,
        "new model needs a new version");
  }
}
