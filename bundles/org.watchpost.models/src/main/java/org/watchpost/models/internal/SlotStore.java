// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageManifest;
import org.watchpost.models.packaging.PackageRejectedException;
import org.watchpost.models.packaging.PackageSignature;
import org.watchpost.models.packaging.Rejection;
import org.watchpost.models.packaging.TrustedKeys;

/**
 * The two slots ({@code slots/a}, {@code slots/b}) of unpacked, verified packages. A package is
 * unpacked into {@code slots/X.new}, forced to disk and renamed into place, so a slot directory is
 * always complete; a slot is checked again (signature and every file's hash) before it is loaded.
 */
final class SlotStore {
  static final String A = "a";
  static final String B = "b";

  private final Path slots;

  SlotStore(Path stateDir) {
    this.slots = stateDir.resolve("slots");
  }

  Path manifest(String slot) {
    return slots.resolve(slot).resolve(PackageManifest.MANIFEST);
  }

  static String other(String slot) {
    return A.equals(slot) ? B : A;
  }

  /** Removes what an interrupted unpacking left behind. */
  void cleanUp() throws IOException {
    Files.createDirectories(slots);
    try (Stream<Path> children = Files.list(slots)) {
      for (Path child : (Iterable<Path>) children::iterator) {
        if (child.getFileName().toString().endsWith(".new")) {
          deleteTree(child);
        }
      }
    }
  }

  /** Unpacks a verified package into a slot, replacing what the slot held. */
  void install(ModelPackage pkg, String slot) throws IOException, PackageRejectedException {
    Path target = slots.resolve(slot);
    Path fresh = slots.resolve(slot + ".new");
    deleteTree(fresh);
    try {
      pkg.extractTo(fresh);
      StateFile.forceDirectory(fresh);
      CrashPoints.reach("slot-unpacked");
      deleteTree(target);
      CrashPoints.reach("slot-emptied");
      Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
      StateFile.forceDirectory(slots);
    } catch (PackageRejectedException | IOException | RuntimeException e) {
      deleteTree(fresh);
      throw e;
    }
  }

  /**
   * Checks a slot as if it had just arrived: signature by a trusted key, every listed file present
   * with its size and SHA-256, nothing else.
   */
  PackageManifest verify(String slot, TrustedKeys keys) throws PackageRejectedException {
    Path dir = slots.resolve(slot);
    try {
      byte[] manifestBytes =
          readBounded(dir.resolve(PackageManifest.MANIFEST), PackageManifest.MAX_BYTES);
      byte[] signatureBytes =
          readBounded(dir.resolve(PackageManifest.SIGNATURE), PackageSignature.MAX_BYTES);
      PackageSignature.parse(signatureBytes).verify(manifestBytes, keys);
      PackageManifest manifest = PackageManifest.parse(manifestBytes);
      for (Map.Entry<String, PackageManifest.FileEntry> file : manifest.files().entrySet()) {
        Path path = dir.resolve(file.getKey());
        if (!Files.isRegularFile(path)
            || Files.size(path) != file.getValue().size()
            || !ModelPackage.sha256Of(path).equals(file.getValue().sha256())) {
          throw new PackageRejectedException(
              Rejection.HASH_MISMATCH,
              "slot "
                  + slot
                  + ": "
                  + file.getKey()
                  + " is missing or differs from its signed manifest");
        }
      }
      return manifest;
    } catch (IOException e) {
      throw new PackageRejectedException(
          Rejection.TRUNCATED, "slot " + slot + " cannot be read: " + e.getMessage(), e);
    }
  }

  boolean exists(String slot) {
    return Files.isRegularFile(manifest(slot));
  }

  private static byte[] readBounded(Path file, int limit)
      throws IOException, PackageRejectedException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(limit + 1);
      if (bytes.length > limit) {
        throw new PackageRejectedException(
            Rejection.TOO_LARGE, file + " is larger than " + limit + " bytes");
      }
      return bytes;
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
