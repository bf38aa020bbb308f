// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The public keys a device accepts package signatures from: every {@code *.pub} (PEM) in one
 * directory, so that a new key can be added before the old one is retired.
 */
public final class TrustedKeys {
  private static final int MAX_FILE_BYTES = 8192;
  private static final int MAX_FILES = 256;
  private final Map<String, PublicKey> byId;
  private final List<String> skipped;

  private TrustedKeys(Map<String, PublicKey> byId, List<String> skipped) {
    this.byId = Map.copyOf(byId);
    this.skipped = List.copyOf(skipped);
  }

  public static TrustedKeys of(PublicKey... keys) {
    Map<String, PublicKey> map = new TreeMap<>();
    for (PublicKey key : keys) {
      map.put(SigningKeys.keyId(key), key);
    }
    return new TrustedKeys(map, List.of());
  }

  /**
   * Reads every {@code *.pub} of the directory. A file that is not an Ed25519 public key is skipped
   * and named in {@link #skipped()}: one stray or damaged file must not take the other keys with it
   * (a device that trusted no key any more could no longer check, and so no longer run, the models
   * it has installed).
   *
   * @throws IOException when the directory cannot be read
   */
  public static TrustedKeys load(Path directory) throws IOException {
    Map<String, PublicKey> map = new TreeMap<>();
    List<String> skipped = new ArrayList<>();
    if (!Files.isDirectory(directory)) {
      throw new IOException("trusted key directory " + directory + " does not exist");
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.pub")) {
      for (Path file : files) {
        if (skipped.size() + map.size() >= MAX_FILES) {
          skipped.add(
              directory + " holds more than " + MAX_FILES + " key files; the rest are not read");
          break;
        }
        try {
          if (!Files.isRegularFile(file) || Files.size(file) > MAX_FILE_BYTES) {
            skipped.add(
                file.getFileName() + ": not a file of at most " + MAX_FILE_BYTES + " bytes");
            continue;
          }
          PublicKey key = SigningKeys.readPublic(Files.readString(file, StandardCharsets.US_ASCII));
          map.put(SigningKeys.keyId(key), key);
        } catch (GeneralSecurityException | IOException e) {
          skipped.add(
              file.getFileName()
                  + ": not an Ed25519 public key in PEM ("
                  + e.getClass().getSimpleName()
                  + ")");
        }
      }
    }
    return new TrustedKeys(map, skipped);
  }

  /** The files that were not read as keys, each with the reason. */
  public List<String> skipped() {
    return skipped;
  }

  public PublicKey get(String keyId) {
    return byId.get(keyId);
  }

  public Set<String> ids() {
    return byId.keySet();
  }

  public boolean isEmpty() {
    return byId.isEmpty();
  }
}
