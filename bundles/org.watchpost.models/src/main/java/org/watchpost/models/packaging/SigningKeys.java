// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.packaging;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Ed25519 keys as the JDK has them: generation, PEM files (public keys as X.509
 * SubjectPublicKeyInfo, private keys as PKCS#8, the forms {@code openssl pkey} reads and writes),
 * key ids, signing and verifying.
 */
public final class SigningKeys {
  public static final String ALGORITHM = "Ed25519";
  private static final int MAX_PEM_CHARS = 8192;

  private SigningKeys() {}

  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no Ed25519", e);
    }
  }

  /** The key's id: the first 8 bytes of the SHA-256 of its X.509 encoding, in hex. */
  public static String keyId(PublicKey key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  public static String publicPem(PublicKey key) {
    return pem("PUBLIC KEY", key.getEncoded());
  }

  public static String privatePem(PrivateKey key) {
    return pem("PRIVATE KEY", key.getEncoded());
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  public static PublicKey readPublic(String pem) throws GeneralSecurityException {
    return KeyFactory.getInstance(ALGORITHM)
        .generatePublic(new X509EncodedKeySpec(der(pem, "PUBLIC KEY")));
  }

  public static PrivateKey readPrivate(String pem) throws GeneralSecurityException {
    return KeyFactory.getInstance(ALGORITHM)
        .generatePrivate(new PKCS8EncodedKeySpec(der(pem, "PRIVATE KEY")));
  }

  private static byte[] der(String pem, String type) throws GeneralSecurityException {
    if (pem == null || pem.length() > MAX_PEM_CHARS) {
      throw new GeneralSecurityException(
          "not a PEM " + type + " (missing or longer than " + MAX_PEM_CHARS + " characters)");
    }
    String begin = "-----BEGIN " + type + "-----";
    String end = "-----END " + type + "-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf(end);
    if (from < 0 || to < from) {
      throw new GeneralSecurityException(
          "not a PEM " + type + ": no " + begin + " ... " + end + " block");
    }
    try {
      return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException("PEM " + type + " is not valid base64", e);
    }
  }

  public static byte[] sign(PrivateKey key, byte[] data) {
    try {
      Signature signer = Signature.getInstance(ALGORITHM);
      signer.initSign(key);
      signer.update(data);
      return signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign with this key: " + e.getMessage(), e);
    }
  }

  public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
    try {
      Signature verifier = Signature.getInstance(ALGORITHM);
      verifier.initVerify(key);
      verifier.update(data);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }
}
