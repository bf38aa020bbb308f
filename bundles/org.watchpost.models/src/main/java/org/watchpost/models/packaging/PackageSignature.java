// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.packaging;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.annotations.SerializedName;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * {@code manifest.sig}: a detached Ed25519 signature over the exact bytes of {@code manifest.json},
 * with the id of the key that made it. The manifest pins every other file by SHA-256, so this one
 * signature covers the whole package.
 */
public record PackageSignature(
    int format, @SerializedName("key_id") String keyId, String algorithm, String signature) {
  public static final int MAX_BYTES = 4096;
  private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");

  public static PackageSignature sign(byte[] manifest, PrivateKey key, PublicKey publicKey) {
    return new PackageSignature(
        1,
        SigningKeys.keyId(publicKey),
        SigningKeys.ALGORITHM,
        Base64.getEncoder().encodeToString(SigningKeys.sign(key, manifest)));
  }

  public byte[] toJson() {
    Gson gson = new GsonBuilder().setPrettyPrinting().create();
    return (gson.toJson(this) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  public static PackageSignature parse(byte[] json) throws PackageRejectedException {
    if (json.length > MAX_BYTES) {
      throw new PackageRejectedException(
          Rejection.MALFORMED, "manifest.sig is " + json.length + " bytes, more than " + MAX_BYTES);
    }
    PackageSignature sig;
    try {
      sig = new Gson().fromJson(new String(json, StandardCharsets.UTF_8), PackageSignature.class);
    } catch (JsonParseException
        | IllegalStateException
        | IllegalArgumentException
        | ClassCastException e) {
      throw new PackageRejectedException(
          Rejection.MALFORMED, "manifest.sig is not valid JSON: " + e.getMessage(), e);
    } catch (StackOverflowError e) {
      throw new PackageRejectedException(Rejection.MALFORMED, "manifest.sig is nested too deeply");
    }
    if (sig == null
        || sig.format() != 1
        || !SigningKeys.ALGORITHM.equals(sig.algorithm())
        || sig.keyId() == null
        || !KEY_ID.matcher(sig.keyId()).matches()
        || sig.signature() == null) {
      throw new PackageRejectedException(
          Rejection.MALFORMED,
          "manifest.sig must be {format: 1, key_id: 16 hex digits, algorithm: Ed25519, signature: base64}");
    }
    return sig;
  }

  /**
   * @throws PackageRejectedException UNKNOWN_KEY or BAD_SIGNATURE
   */
  public void verify(byte[] manifest, TrustedKeys keys) throws PackageRejectedException {
    PublicKey key = keys.get(keyId);
    if (key == null) {
      throw new PackageRejectedException(
          Rejection.UNKNOWN_KEY,
          "manifest is signed by key "
              + keyId
              + ", which this device does not trust (it trusts "
              + keys.ids()
              + ")");
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(signature);
    } catch (IllegalArgumentException e) {
      throw new PackageRejectedException(
          Rejection.BAD_SIGNATURE, "manifest.sig: signature is not base64");
    }
    if (!SigningKeys.verify(key, manifest, raw)) {
      throw new PackageRejectedException(
          Rejection.BAD_SIGNATURE,
          "the signature by key "
              + keyId
              + " does not match manifest.json (modified after signing, or signed by another key)");
    }
  }
}
