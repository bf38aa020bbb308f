// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.packaging;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Everything a device reads from a package it was sent: the manifest, the signature file, and the
 * zip itself (entries, names, sizes). Any exception other than a rejection is a finding, and so is
 * a file written outside the directory a package is unpacked into. Runs for a bounded time in the
 * normal build.
 */
class PackageParsersFuzzTest {
  private static final KeyPair KEY = SigningKeys.generate();
  private static final TrustedKeys TRUSTED = TrustedKeys.of(KEY.getPublic());
  private static final PackageLimits LIMITS = new PackageLimits(1 << 20, 4 << 20, 20);
  private static final Path ROOT = scratch();

  private static Path scratch() {
    try {
      return Files.createDirectories(Path.of("target", "fuzz-scratch").toAbsolutePath());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * One fuzz test (Jazzer fuzzes one per JVM): the first choice picks what the bytes become, a
   * manifest and a signature file, a raw zip, or a zip with a signed manifest and a fuzzed entry
   * (so that unpacking is reached).
   */
  @FuzzTest(maxDuration = "10s")
  void everythingADeviceReadsFromAPackage(FuzzedDataProvider data) throws IOException {
    switch (data.consumeInt(0, 2)) {
      case 0 -> parseManifestAndSignature(data.consumeRemainingAsBytes());
      case 1 -> openAndUnpack(data.consumeRemainingAsBytes());
      default -> openAndUnpack(signedZip(data));
    }
  }

  private static void parseManifestAndSignature(byte[] data) {
    try {
      PackageManifest m = PackageManifest.parse(data);
      for (String path : m.files().keySet()) {
        if (!PackageManifest.isSafePath(path)) {
          throw new AssertionError("an unsafe path passed: " + path);
        }
      }
      m.unpackedBytes();
      m.semanticVersion();
    } catch (PackageRejectedException expected) {
      // most inputs
    }
    try {
      PackageSignature.parse(data).verify(data, TRUSTED);
    } catch (PackageRejectedException expected) {
      // most inputs
    }
    String text = new String(data, StandardCharsets.UTF_8);
    if (SemanticVersion.isValid(text)) {
      SemanticVersion v = SemanticVersion.parse(text);
      if (v.compareTo(v) != 0) {
        throw new AssertionError("a version is not equal to itself: " + text);
      }
    }
  }

  private static void openAndUnpack(byte[] zipBytes) throws IOException {
    Path dir = Files.createTempDirectory(ROOT, "p");
    try {
      Path zip = dir.resolve("package.zip");
      Files.write(zip, zipBytes);
      try (ModelPackage pkg = ModelPackage.open(zip, LIMITS, TRUSTED)) {
        pkg.extractTo(dir.resolve("out"));
      } catch (PackageRejectedException expected) {
        // most inputs
      }
      try (Stream<Path> all = Files.walk(ROOT)) {
        all.filter(p -> !p.startsWith(dir) && !p.equals(ROOT))
            .findAny()
            .ifPresent(
                p -> {
                  throw new AssertionError("a package wrote outside its directory: " + p);
                });
      }
    } finally {
      try (Stream<Path> all = Files.walk(dir)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static byte[] signedZip(FuzzedDataProvider data) throws IOException {
    String name = data.consumeString(40);
    byte[] content = data.consumeBytes(4096);
    long declared = data.consumeLong(0, 1 << 16);
    String manifest =
        """
        {"format": 1, "name": "m", "version": "1.0.0", "created": "2026-01-01T00:00:00Z",
         "model": {"file": "model.onnx", "sha256": "%s", "size": 1},
         "labels": {"file": "labels.txt", "sha256": "%s"},
         "files": {"model.onnx": {"sha256": "%s", "size": 1}, "labels.txt": {"sha256": "%s", "size": 1},
                   %s: {"sha256": "%s", "size": %d}},
         "min_runtime": "0.1.0", "platforms": ["linux-x86_64"]}
        """
            .formatted(
                "a".repeat(64),
                "b".repeat(64),
                "a".repeat(64),
                "b".repeat(64),
                com.google.gson.JsonParser.parseString("\"x\"")
                    .toString()
                    .replace("x", name.replace("\\", "").replace("\"", "")),
                "c".repeat(64),
                declared);
    byte[] manifestBytes = manifest.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry(PackageManifest.MANIFEST));
      zip.write(manifestBytes);
      zip.putNextEntry(new ZipEntry(PackageManifest.SIGNATURE));
      zip.write(PackageSignature.sign(manifestBytes, KEY.getPrivate(), KEY.getPublic()).toJson());
      for (String entry : new String[] {"model.onnx", "labels.txt", name}) {
        if (entry.isEmpty()) {
          continue;
        }
        try {
          zip.putNextEntry(new ZipEntry(entry));
          zip.write(entry.equals(name) ? content : new byte[] {1});
        } catch (java.util.zip.ZipException duplicate) {
          // the fuzzed name repeats one of the others
        }
      }
    }
    return bytes.toByteArray();
  }
}
