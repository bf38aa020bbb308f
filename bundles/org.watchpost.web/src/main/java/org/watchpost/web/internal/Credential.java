// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The page's one login. No default password (ETSI EN 303 645 provision 5.1): on first start the
 * device makes its own, prints it once on the console and keeps only its PBKDF2 hash, in a file
 * readable by the service user alone (the OPC UA bundle's way). Lost: delete the file, restart,
 * read the new one.
 */
final class Credential {
  static final String USER = "installer";
  static final String SCHEME = "pbkdf2-sha256";
  static final int ITERATIONS = 100_000;
  static final int MAX_PASSWORD_CHARS = 256;
  private static final char[] ALPHABET =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".toCharArray();

  private final int iterations;
  private final byte[] salt;
  private final byte[] hash;

  private Credential(int iterations, byte[] salt, byte[] hash) {
    this.iterations = iterations;
    this.salt = salt;
    this.hash = hash;
  }

  static Credential loadOrCreate(Path file, SecureRandom random, PrintStream console)
      throws IOException {
    Path absolute = file.toAbsolutePath();
    if (Files.exists(absolute)) {
      return parse(new String(OwnerOnlyFiles.read(absolute), StandardCharsets.US_ASCII), absolute);
    }
    char[] password = new char[24];
    for (int i = 0; i < password.length; i++) {
      password[i] = ALPHABET[random.nextInt(ALPHABET.length)];
    }
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder();
    String line =
        SCHEME
            + ":"
            + ITERATIONS
            + ":"
            + b64.encodeToString(salt)
            + ":"
            + b64.encodeToString(pbkdf2(password, salt, ITERATIONS))
            + "\n";
    OwnerOnlyFiles.write(absolute, line.getBytes(StandardCharsets.US_ASCII));
    console.println(
        """
        ==========================================================================
        Installer's page: this device made its own login.
          user:     %s
          password: %s
        It is shown this once. Only its hash is kept, in %s
        (readable by this service's user only); delete that file to get a new one.
        =========================================================================="""
            .formatted(USER, new String(password), absolute));
    console.flush();
    return parse(line, absolute);
  }

  static Credential parse(String text, Path file) throws IOException {
    String[] parts = text.strip().split(":", -1);
    try {
      if (parts.length != 4 || !parts[0].equals(SCHEME)) {
        throw new IllegalArgumentException("not " + SCHEME + ":<iterations>:<salt>:<hash>");
      }
      int iterations = Integer.parseInt(parts[1]);
      byte[] salt = Base64.getDecoder().decode(parts[2]);
      byte[] hash = Base64.getDecoder().decode(parts[3]);
      if (iterations < 10_000
          || iterations > 10_000_000
          || salt.length < 8
          || salt.length > 64
          || hash.length != 32) {
        throw new IllegalArgumentException("iterations, salt or hash out of range");
      }
      return new Credential(iterations, salt, hash);
    } catch (IllegalArgumentException e) {
      throw new IOException(
          "the installer's credential file "
              + file
              + " is not valid ("
              + e.getMessage()
              + "); delete it to have a new credential generated",
          e);
    }
  }

  boolean matches(String user, String password) {
    if (password == null || password.length() > MAX_PASSWORD_CHARS) {
      return false;
    }
    // Hashed whatever the user name, so that a wrong name takes as long as a wrong password.
    boolean same = MessageDigest.isEqual(pbkdf2(password.toCharArray(), salt, iterations), hash);
    return same && USER.equals(user);
  }

  static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
          .generateSecret(new PBEKeySpec(password, salt, iterations, 256))
          .getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
    }
  }
}
