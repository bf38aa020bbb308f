// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Period;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's application instance certificate: self-signed, generated on first start and kept on
 * the device ({@code own/application.der}, and the private key in {@code own/application.key}
 * readable by the service user only). A new one is made when the kept one has expired or names
 * another application URI (the host name changed); clients that trusted the old one must trust the
 * new one.
 */
record ApplicationCertificate(KeyPair keyPair, X509Certificate certificate) {
  private static final Logger LOG = LoggerFactory.getLogger(ApplicationCertificate.class);
  private static final int MAX_FILE_BYTES = 64 * 1024;
  private static final String KEY_HEADER = "-----BEGIN PRIVATE KEY-----";
  private static final String KEY_FOOTER = "-----END PRIVATE KEY-----";

  static ApplicationCertificate loadOrCreate(
      Path pkiDirectory, String applicationUri, String hostname, int validityDays)
      throws IOException {
    Path own = pkiDirectory.toAbsolutePath().resolve("own");
    Path certificateFile = own.resolve("application.der");
    Path keyFile = own.resolve("application.key");
    if (Files.exists(certificateFile) && Files.exists(keyFile)) {
      ApplicationCertificate kept = read(certificateFile, keyFile);
      String problem = kept.unusableFor(applicationUri);
      if (problem == null) {
        return kept;
      }
      LOG.warn(
          "OPC UA: the kept application certificate {} {}; making a new one (clients must trust it again)",
          certificateFile,
          problem);
    }
    ApplicationCertificate created = create(applicationUri, hostname, validityDays);
    Files.createDirectories(own);
    writeOwnerOnly(
        keyFile,
        (KEY_HEADER
                + "\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(created.keyPair.getPrivate().getEncoded())
                + "\n"
                + KEY_FOOTER
                + "\n")
            .getBytes(StandardCharsets.US_ASCII));
    try {
      Path temporary = certificateFile.resolveSibling(certificateFile.getFileName() + ".tmp");
      Files.write(temporary, created.certificate.getEncoded());
      Files.move(
          temporary,
          certificateFile,
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (CertificateException e) {
      throw new IOException("cannot encode the application certificate", e);
    }
    LOG.info(
        "OPC UA: generated the application certificate {} for {} (SHA-1 thumbprint {})",
        certificateFile,
        applicationUri,
        thumbprint(created.certificate));
    return created;
  }

  /** Why this certificate cannot serve the application URI now, or null when it can. */
  String unusableFor(String applicationUri) {
    try {
      certificate.checkValidity(new Date());
    } catch (CertificateException e) {
      return "is not valid now (" + e.getMessage() + ")";
    }
    if (!applicationUri.equals(uriOf(certificate))) {
      return "names " + uriOf(certificate) + ", not " + applicationUri;
    }
    return null;
  }

  private static ApplicationCertificate create(
      String applicationUri, String hostname, int validityDays) throws IOException {
    try {
      KeyPair keyPair = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
      SelfSignedCertificateBuilder builder =
          new SelfSignedCertificateBuilder(keyPair)
              .setCommonName("Watchpost " + hostname)
              .setOrganization("Watchpost")
              .setApplicationUri(applicationUri)
              .setValidityPeriod(Period.ofDays(validityDays))
              .addDnsName(hostname);
      if (!hostname.equals("localhost")) {
        builder.addDnsName("localhost");
      }
      return new ApplicationCertificate(keyPair, builder.build());
    } catch (Exception e) {
      throw new IOException(
          "cannot generate the OPC UA application certificate: " + e.getMessage(), e);
    }
  }

  private static ApplicationCertificate read(Path certificateFile, Path keyFile)
      throws IOException {
    try {
      X509Certificate certificate =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(bounded(certificateFile)));
      String pem = new String(bounded(keyFile), StandardCharsets.US_ASCII).strip();
      if (!pem.startsWith(KEY_HEADER) || !pem.endsWith(KEY_FOOTER)) {
        throw new IOException(keyFile + " is not a PKCS#8 PEM private key");
      }
      byte[] der =
          Base64.getMimeDecoder()
              .decode(pem.substring(KEY_HEADER.length(), pem.length() - KEY_FOOTER.length()));
      PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      return new ApplicationCertificate(new KeyPair(certificate.getPublicKey(), key), certificate);
    } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
      throw new IOException(
          "the OPC UA application certificate "
              + certificateFile
              + " or its key "
              + keyFile
              + " cannot be read ("
              + e.getMessage()
              + "); delete both to have new ones generated",
          e);
    }
  }

  private static byte[] bounded(Path file) throws IOException {
    if (Files.size(file) > MAX_FILE_BYTES) {
      throw new IOException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
    }
    return Files.readAllBytes(file);
  }

  private static void writeOwnerOnly(Path file, byte[] content) throws IOException {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temporary);
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(
          temporary,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } else {
      Files.createFile(temporary);
    }
    Files.write(temporary, content);
    Files.move(
        temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static String uriOf(X509Certificate certificate) {
    try {
      Collection<List<?>> names = certificate.getSubjectAlternativeNames();
      if (names != null) {
        for (List<?> name : names) {
          if (Integer.valueOf(6).equals(name.get(0))) {
            return String.valueOf(name.get(1));
          }
        }
      }
    } catch (CertificateException e) {
      return null;
    }
    return null;
  }

  static String thumbprint(X509Certificate certificate) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-1").digest(certificate.getEncoded());
      return java.util.HexFormat.of().formatHex(digest);
    } catch (GeneralSecurityException e) {
      return "?";
    }
  }
}
