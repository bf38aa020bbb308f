// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A CA, a broker certificate for 127.0.0.1 and a device certificate, made with the openssl command.
 */
record TestCertificates(
    Path caCert, Path serverCert, Path serverKey, Path clientKeyStore, String clientPassword) {

  static TestCertificates create(Path dir, String name) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path ca = dir.resolve(name + "-ca.crt");
    Path caKey = dir.resolve(name + "-ca.key");
    run(
        dir,
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        caKey.toString(),
        "-out",
        ca.toString(),
        "-days",
        "2",
        "-subj",
        "/CN=" + name + " test CA");
    Path serverKey = dir.resolve(name + "-server.key");
    Path serverCert =
        issue(
            dir,
            name + "-server",
            "/CN=localhost",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            ca,
            caKey,
            serverKey);
    Path clientKey = dir.resolve(name + "-client.key");
    Path clientCert =
        issue(
            dir,
            name + "-client",
            "/CN=box-7",
            "extendedKeyUsage=clientAuth",
            ca,
            caKey,
            clientKey);
    Path p12 = dir.resolve(name + "-client.p12");
    run(
        dir,
        "openssl",
        "pkcs12",
        "-export",
        "-in",
        clientCert.toString(),
        "-inkey",
        clientKey.toString(),
        "-out",
        p12.toString(),
        "-passout",
        "pass:device-secret");
    return new TestCertificates(ca, serverCert, serverKey, p12, "device-secret");
  }

  private static Path issue(
      Path dir, String name, String subject, String extension, Path ca, Path caKey, Path key)
      throws IOException, InterruptedException {
    Path csr = dir.resolve(name + ".csr");
    Path cert = dir.resolve(name + ".crt");
    Path ext = dir.resolve(name + ".ext");
    Files.write(ext, List.of(extension));
    run(
        dir,
        "openssl",
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key.toString(),
        "-out",
        csr.toString(),
        "-subj",
        subject);
    run(
        dir,
        "openssl",
        "x509",
        "-req",
        "-in",
        csr.toString(),
        "-CA",
        ca.toString(),
        "-CAkey",
        caKey.toString(),
        "-CAcreateserial",
        "-out",
        cert.toString(),
        "-days",
        "2",
        "-extfile",
        ext.toString());
    return cert;
  }

  private static void run(Path dir, String... command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
  }
}
