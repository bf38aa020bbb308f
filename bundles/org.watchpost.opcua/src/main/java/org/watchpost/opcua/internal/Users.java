// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The users who may log in and how their passwords are checked. An entry is {@code
 * name:pbkdf2-sha256:<iterations>:<salt>:<hash>} (salt and hash in Base64), the form the generated
 * credential is kept in. A plain {@code name:password} is refused: a configuration file is copied,
 * backed up and shown on screens, and must not hold a password anyone can read off it. Entries are
 * bounded and checked strictly: a bad one is refused naming its position, never its secret.
 */
public final class Users {
  static final String HASH_SCHEME = "pbkdf2-sha256";

  /**
   * About 50 ms on a small ARM core: a login costs little, a stolen hash is still slow to crack.
   */
  static final int ITERATIONS = 100_000;

  static final int MAX_ENTRY_CHARS = 512;
  public static final int MAX_PASSWORD_CHARS = 256;
  private static final int MAX_ITERATIONS = 10_000_000;
  private static final int MIN_ITERATIONS = 10_000;
  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  private static final char[] PASSWORD_ALPHABET =
      "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".toCharArray();

  /** A stored secret: a PBKDF2 hash. */
  private record Secret(int iterations, byte[] salt, byte[] hash) {}

  private final Map<String, Secret> secrets;

  private Users(Map<String, Secret> secrets) {
    this.secrets = secrets;
  }

  public static Users parse(String[] entries) {
    Map<String, Secret> secrets = new LinkedHashMap<>();
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i];
      if (entry == null || entry.length() > MAX_ENTRY_CHARS) {
        throw new IllegalArgumentException(
            "user entry "
                + (i + 1)
                + " is missing or longer than "
                + MAX_ENTRY_CHARS
                + " characters");
      }
      int colon = entry.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "user entry " + (i + 1) + " is not name:" + HASH_SCHEME + ":...");
      }
      String name = entry.substring(0, colon);
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "user entry " + (i + 1) + ": the name must be 1 to 64 of A-Z a-z 0-9 . _ @ -");
      }
      if (secrets.containsKey(name)) {
        throw new IllegalArgumentException(
            "user entry " + (i + 1) + ": user " + name + " is listed twice");
      }
      secrets.put(name, secret(entry.substring(colon + 1), name, i + 1));
    }
    return new Users(secrets);
  }

  private static Secret secret(String text, String name, int position) {
    if (text.startsWith(HASH_SCHEME + ":")) {
      String[] parts = text.split(":", -1);
      if (parts.length != 4) {
        throw new IllegalArgumentException(
            "user "
                + name
                + ": a hashed password is "
                + HASH_SCHEME
                + ":<iterations>:<salt>:<hash>");
      }
      int iterations;
      try {
        iterations = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "user " + name + ": the iteration count of the hashed password is not a number");
      }
      byte[] salt = base64(parts[2], name);
      byte[] hash = base64(parts[3], name);
      if (iterations < MIN_ITERATIONS
          || iterations > MAX_ITERATIONS
          || salt.length < 8
          || salt.length > 64
          || hash.length != HASH_BYTES) {
        throw new IllegalArgumentException(
            "user "
                + name
                + ": the hashed password has "
                + iterations
                + " iterations ("
                + MIN_ITERATIONS
                + ".."
                + MAX_ITERATIONS
                + "), a "
                + salt.length
                + "-byte salt (8..64) and a "
                + hash.length
                + "-byte hash ("
                + HASH_BYTES
                + ")");
      }
      return new Secret(iterations, salt, hash);
    }
    throw new IllegalArgumentException(
        "user entry "
            + position
            + " (user "
            + name
            + ") holds a plain password, which is "
            + "refused: give name:"
            + HASH_SCHEME
            + ":<iterations>:<salt>:<hash> (./watchpost opcua-user "
            + name
            + " makes one)");
  }

  private static byte[] base64(String text, String name) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "user " + name + ": salt or hash of the hashed password is not Base64");
    }
  }

  boolean isEmpty() {
    return secrets.isEmpty();
  }

  public java.util.Set<String> names() {
    return secrets.keySet();
  }

  /** Whether the password is the user's; an unknown user costs as much as a known one. */
  public boolean verify(String name, String password) {
    if (name == null
        || password == null
        || password.isEmpty()
        || password.length() > MAX_PASSWORD_CHARS) {
      return false;
    }
    Secret secret = secrets.get(name);
    if (secret == null) {
      pbkdf2(password.toCharArray(), new byte[SALT_BYTES], ITERATIONS);
      return false;
    }
    return MessageDigest.isEqual(
        pbkdf2(password.toCharArray(), secret.salt(), secret.iterations()), secret.hash());
  }

  /** The stored form of a password: {@code pbkdf2-sha256:<iterations>:<salt>:<hash>}. */
  public static String hash(String password, SecureRandom random) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder();
    return HASH_SCHEME
        + ":"
        + ITERATIONS
        + ":"
        + b64.encodeToString(salt)
        + ":"
        + b64.encodeToString(pbkdf2(password.toCharArray(), salt, ITERATIONS));
  }

  /** A password for one device: 24 characters without look-alikes, about 140 bits. */
  public static String generatePassword(SecureRandom random) {
    char[] chars = new char[24];
    for (int i = 0; i < chars.length; i++) {
      chars[i] = PASSWORD_ALPHABET[random.nextInt(PASSWORD_ALPHABET.length)];
    }
    return new String(chars);
  }

  private static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, HASH_BYTES * 8);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JVM", e);
    } finally {
      spec.clearPassword();
      Arrays.fill(password, '\0');
    }
  }
}
