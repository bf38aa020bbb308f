package org.watchpost.models.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The public keys a device accepts package signatures from: every {@code *.pub} (PEM) in one directory, so that
 * a new key can be added before the old one is retired.
 */
public final class TrustedKeys {
  private final Map<String, PublicKey> byId;

  private TrustedKeys(Map<String, PublicKey> byId) {
    this.byId = Map.copyOf(byId);
  }

  public static TrustedKeys of(PublicKey... keys) {
    Map<String, PublicKey> map = new TreeMap<>();
    for (PublicKey key : keys) {
      map.put(SigningKeys.keyId(key), key);
    }
    return new TrustedKeys(map);
  }

  /**
   * @throws IOException when the directory cannot be read or a file in it is not an Ed25519 public key (a
   *     device must not quietly trust fewer keys than it was given)
   */
  public static TrustedKeys load(Path directory) throws IOException {
    Map<String, PublicKey> map = new TreeMap<>();
    if (!Files.isDirectory(directory)) {
      throw new IOException("trusted key directory " + directory + " does not exist");
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.pub")) {
      for (Path file : files) {
        if (Files.size(file) > 8192) {
          throw new IOException("trusted key " + file + " is larger than 8192 bytes; not a public key");
        }
        try {
          PublicKey key = SigningKeys.readPublic(Files.readString(file, StandardCharsets.US_ASCII));
          map.put(SigningKeys.keyId(key), key);
        } catch (GeneralSecurityException | java.nio.charset.CharacterCodingException e) {
          throw new IOException("trusted key " + file + " is not an Ed25519 public key in PEM: " + e.getMessage(), e);
        }
      }
    }
    return new TrustedKeys(map);
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
