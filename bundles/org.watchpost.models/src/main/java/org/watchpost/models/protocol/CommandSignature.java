// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.watchpost.models.packaging.SigningKeys;

/**
 * The authorisation a console adds to a MODEL-V1 command that changes a device (PUT package, EXEC):
 * an Ed25519 signature by a console key over the target device (or {@code _all}), the method and
 * resources, the requester, every metric of the request, the SHA-256 of its body, a nonce and a
 * validity window. The signed bytes are a length-prefixed canonical form (metrics sorted by name,
 * each with its type), so no two requests sign alike.
 *
 * <p>This class only checks the signature; what the device accepts (its own id, the clock, replays,
 * lifetimes) is its policy.
 */
public final class CommandSignature {
  private CommandSignature() {}

  public static final String KEY_ID = "auth.key";
  public static final String TARGET = "auth.target";
  public static final String NONCE = "auth.nonce";
  public static final String NOT_BEFORE = "auth.not_before";
  public static final String EXPIRES = "auth.expires";
  public static final String SIGNATURE = "auth.sig";

  /** Every metric of the authorisation starts so; none of them is a parameter of the command. */
  public static final String PREFIX = "auth.";

  private static final String DOMAIN = "watchpost-command-v1";
  public static final Pattern NONCE_FORM = Pattern.compile("[A-Za-z0-9_-]{16,64}");
  private static final Pattern KEY_ID_FORM = Pattern.compile("[0-9a-f]{16}");
  private static final int MAX_SIGNATURE_CHARS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What a valid signature vouches for. */
  public record Claims(
      String keyId, String target, String nonce, long notBeforeMillis, long expiresMillis) {}

  /** Why a command's authorisation was not accepted; the message is safe to send back. */
  public static final class RefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    public RefusedException(String message) {
      super(message);
    }
  }

  public static String newNonce() {
    byte[] b = new byte[18];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /**
   * The metrics to add to a command's own metrics.
   *
   * @param target the device's client id, or {@code _all}
   */
  public static Map<String, Object> sign(
      String appId,
      String method,
      List<String> resources,
      String requester,
      Map<String, Object> metrics,
      byte[] body,
      String target,
      long notBeforeMillis,
      long expiresMillis,
      PrivateKey key,
      PublicKey publicKey) {
    Map<String, Object> auth = new LinkedHashMap<>();
    auth.put(KEY_ID, SigningKeys.keyId(publicKey));
    auth.put(TARGET, target);
    auth.put(NONCE, newNonce());
    auth.put(NOT_BEFORE, notBeforeMillis);
    auth.put(EXPIRES, expiresMillis);
    Claims claims =
        new Claims(
            (String) auth.get(KEY_ID),
            target,
            (String) auth.get(NONCE),
            notBeforeMillis,
            expiresMillis);
    byte[] signature =
        SigningKeys.sign(
            key, canonical(appId, method, resources, requester, metrics, body, claims));
    auth.put(SIGNATURE, Base64.getEncoder().encodeToString(signature));
    return auth;
  }

  /**
   * Checks the signature of a command (its metrics hold the {@code auth.*} metrics).
   *
   * @param keys the console key for a key id, or null
   * @throws RefusedException unsigned, malformed, unknown key or a signature that does not match
   */
  public static Claims verify(
      String appId,
      String method,
      List<String> resources,
      String requester,
      Map<String, Object> metrics,
      byte[] body,
      Function<String, PublicKey> keys)
      throws RefusedException {
    Object keyId = metrics.get(KEY_ID);
    Object target = metrics.get(TARGET);
    Object nonce = metrics.get(NONCE);
    Long notBefore = whole(metrics.get(NOT_BEFORE));
    Long expires = whole(metrics.get(EXPIRES));
    Object signature = metrics.get(SIGNATURE);
    if (keyId == null && signature == null) {
      throw new RefusedException(
          "unsigned command: " + method + " needs a console signature (" + SIGNATURE + ")");
    }
    if (!(keyId instanceof String k)
        || !KEY_ID_FORM.matcher(k).matches()
        || !(target instanceof String t)
        || t.isEmpty()
        || t.length() > 128
        || !(nonce instanceof String n)
        || !NONCE_FORM.matcher(n).matches()
        || notBefore == null
        || expires == null
        || !(signature instanceof String s)
        || s.length() > MAX_SIGNATURE_CHARS) {
      throw new RefusedException(
          "malformed command signature: needs "
              + KEY_ID
              + " (16 hex digits), "
              + TARGET
              + ", "
              + NONCE
              + " (16..64 of [A-Za-z0-9_-]), "
              + NOT_BEFORE
              + " and "
              + EXPIRES
              + " (ms), "
              + SIGNATURE);
    }
    PublicKey key = keys.apply(k);
    if (key == null) {
      throw new RefusedException(
          "command signed by console key " + k + ", which this device does not trust");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new RefusedException("command signature is not base64");
    }
    Claims claims = new Claims(k, t, n, notBefore, expires);
    if (!SigningKeys.verify(
        key, canonical(appId, method, resources, requester, metrics, body, claims), raw)) {
      throw new RefusedException(
          "command signature by console key " + k + " does not match the command");
    }
    return claims;
  }

  private static Long whole(Object value) {
    if (value instanceof Long l) {
      return l;
    }
    return value instanceof Integer i ? i.longValue() : null;
  }

  /**
   * The signed bytes: length-prefixed fields, metrics sorted by name with a type tag, the body's
   * hash.
   */
  static byte[] canonical(
      String appId,
      String method,
      List<String> resources,
      String requester,
      Map<String, Object> metrics,
      byte[] body,
      Claims claims) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    field(out, DOMAIN);
    field(out, appId);
    field(out, method);
    field(out, String.join("/", resources));
    field(out, requester == null ? "" : requester);
    field(out, claims.target());
    field(out, claims.keyId());
    field(out, claims.nonce());
    field(out, Long.toString(claims.notBeforeMillis()));
    field(out, Long.toString(claims.expiresMillis()));
    Map<String, Object> sorted = new TreeMap<>();
    metrics.forEach(
        (name, value) -> {
          if (!name.startsWith(PREFIX)) {
            sorted.put(name, value);
          }
        });
    field(out, Integer.toString(sorted.size()));
    sorted.forEach(
        (name, value) -> {
          field(out, name);
          field(out, tag(value));
          field(
              out,
              value instanceof byte[] b
                  ? Base64.getEncoder().encodeToString(b)
                  : String.valueOf(value));
        });
    field(out, body == null ? "" : HexFormat.of().formatHex(sha256(body)));
    return out.toByteArray();
  }

  private static String tag(Object value) {
    if (value == null) {
      return "n";
    }
    if (value instanceof String) {
      return "s";
    }
    if (value instanceof Long) {
      return "l";
    }
    if (value instanceof Integer) {
      return "i";
    }
    if (value instanceof Boolean) {
      return "b";
    }
    if (value instanceof Double) {
      return "d";
    }
    if (value instanceof Float) {
      return "f";
    }
    return value instanceof byte[] ? "y" : "o:" + value.getClass().getSimpleName();
  }

  private static void field(ByteArrayOutputStream out, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    int n = bytes.length;
    out.write(n >>> 24);
    out.write(n >>> 16);
    out.write(n >>> 8);
    out.write(n);
    out.write(bytes, 0, n);
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
