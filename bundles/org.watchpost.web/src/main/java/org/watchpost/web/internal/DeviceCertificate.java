// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The page's HTTPS certificate: self-signed, made on first start and kept on the device like the
 * OPC UA application certificate (a PKCS#12 keystore readable by the service user only, its random
 * password beside it, also owner only). A new one is made when the kept one has expired or cannot
 * be read. The browser warns once; the installer compares the SHA-256 fingerprint the log prints
 * with the one the browser shows.
 */
record DeviceCertificate(Path keystore, String password, X509Certificate certificate) {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceCertificate.class);
  static final String ALIAS = "watchpost-web";
  static final int VALIDITY_DAYS = 3650;

  static DeviceCertificate loadOrCreate(Path directory, String hostname, SecureRandom random)
      throws IOException {
    Path keystore = directory.toAbsolutePath().resolve("https.p12");
    Path passwordFile = directory.toAbsolutePath().resolve("https.p12.password");
    if (Files.exists(keystore) && Files.exists(passwordFile)) {
      try {
        String password =
            new String(OwnerOnlyFiles.read(passwordFile), StandardCharsets.US_ASCII).strip();
        X509Certificate certificate = read(keystore, password);
        certificate.checkValidity(new Date());
        return new DeviceCertificate(keystore, password, certificate);
      } catch (Exception e) {
        LOG.warn(
            "web: the kept certificate {} is unusable ({}); making a new one (browsers must accept it again)",
            keystore,
            e.toString());
      }
    }
    byte[] secret = new byte[24];
    random.nextBytes(secret);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256, random);
      KeyPair pair = generator.generateKeyPair();
      X500Name name =
          new X500Name(
              "CN=Watchpost " + hostname.replaceAll("[,=+<>#;\"\\\\]", "_") + ",O=Watchpost");
      Instant now = Instant.now();
      List<GeneralName> names = new ArrayList<>();
      names.add(new GeneralName(GeneralName.dNSName, hostname));
      if (!hostname.equals("localhost")) {
        names.add(new GeneralName(GeneralName.dNSName, "localhost"));
      }
      names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              name,
              new BigInteger(127, random),
              Date.from(now.minus(Duration.ofDays(1))),
              Date.from(now.plus(Duration.ofDays(VALIDITY_DAYS))),
              name,
              pair.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      X509Certificate certificate =
          new JcaX509CertificateConverter()
              .getCertificate(
                  builder.build(
                      new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(
          ALIAS, pair.getPrivate(), password.toCharArray(), new X509Certificate[] {certificate});
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      store.store(out, password.toCharArray());
      OwnerOnlyFiles.write(passwordFile, password.getBytes(StandardCharsets.US_ASCII));
      OwnerOnlyFiles.write(keystore, out.toByteArray());
      LOG.info(
          "web: generated the page's HTTPS certificate {} for {} (SHA-256 fingerprint {})",
          keystore,
          hostname,
          fingerprint(certificate));
      return new DeviceCertificate(keystore, password, certificate);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot make the page's HTTPS certificate: " + e, e);
    }
  }

  static X509Certificate read(Path keystore, String password) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(new ByteArrayInputStream(OwnerOnlyFiles.read(keystore)), password.toCharArray());
    String alias = store.aliases().nextElement();
    return (X509Certificate) store.getCertificate(alias);
  }

  static String fingerprint(X509Certificate certificate) {
    try {
      return HexFormat.ofDelimiter(":")
          .withUpperCase()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
    } catch (Exception e) {
      return "?";
    }
  }

  static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
