// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS socket factory for ssl:// brokers: trusted CAs from a PEM file, the device's own
 * certificate and key from a PKCS#12 key store (mutual TLS). One factory lives as long as the
 * configuration, so the JSSE session cache resumes TLS sessions on reconnect instead of paying a
 * full handshake each time.
 */
final class TlsSockets {
  private TlsSockets() {}

  /**
   * The factory for this configuration, or null when it names no TLS files (JVM defaults then apply
   * to ssl://).
   */
  static SSLSocketFactory create(String caFile, String keyStoreFile, char[] keyStorePassword) {
    boolean hasCa = caFile != null && !caFile.isBlank();
    boolean hasKey = keyStoreFile != null && !keyStoreFile.isBlank();
    if (!hasCa && !hasKey) {
      return null;
    }
    try {
      TrustManagerFactory trust = null;
      if (hasCa) {
        KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
        anchors.load(null, null);
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(Path.of(caFile))) {
          certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certificates.isEmpty()) {
          throw new IllegalArgumentException("TLS CA file " + caFile + " holds no certificate");
        }
        int i = 0;
        for (Certificate certificate : certificates) {
          anchors.setCertificateEntry("ca-" + i++, certificate);
        }
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(anchors);
      }
      KeyManagerFactory keys = null;
      if (hasKey) {
        KeyStore identity = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(Path.of(keyStoreFile))) {
          identity.load(in, keyStorePassword);
        }
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(identity, keyStorePassword);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          keys != null ? keys.getKeyManagers() : null,
          trust != null ? trust.getTrustManagers() : null,
          null);
      return context.getSocketFactory();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read TLS file (CA "
              + caFile
              + ", key store "
              + keyStoreFile
              + "): "
              + e.getMessage(),
          e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "unusable TLS material (CA "
              + caFile
              + ", key store "
              + keyStoreFile
              + "): "
              + e.getMessage(),
          e);
    }
  }
}
