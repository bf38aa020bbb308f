// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.SharedData;

class ApplicationCertificateTest {

  @Test
  void generatedOnceKeptAndRemadeWhenTheApplicationUriChanges() throws Exception {
    Path pki = SharedData.scratchDirectory("pki");
    ApplicationCertificate first =
        ApplicationCertificate.loadOrCreate(pki, "urn:watchpost:device:cam-1", "cam-1", 30);
    assertEquals("urn:watchpost:device:cam-1", ApplicationCertificate.uriOf(first.certificate()));
    assertNull(first.unusableFor("urn:watchpost:device:cam-1"));
    first.certificate().verify(first.certificate().getPublicKey());
    Path key = pki.resolve("own/application.key");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

    ApplicationCertificate again =
        ApplicationCertificate.loadOrCreate(pki, "urn:watchpost:device:cam-1", "cam-1", 30);
    assertArrayEquals(
        first.certificate().getEncoded(), again.certificate().getEncoded(), "kept across restarts");
    assertArrayEquals(
        first.keyPair().getPrivate().getEncoded(), again.keyPair().getPrivate().getEncoded());

    ApplicationCertificate renamed =
        ApplicationCertificate.loadOrCreate(pki, "urn:watchpost:device:cam-2", "cam-2", 30);
    assertEquals("urn:watchpost:device:cam-2", ApplicationCertificate.uriOf(renamed.certificate()));
    assertFalse(
        java.util.Arrays.equals(
            first.certificate().getEncoded(), renamed.certificate().getEncoded()));
  }

  @Test
  void aDamagedKeyIsRefusedNamingTheFiles() throws Exception {
    Path pki = SharedData.scratchDirectory("pki-damaged");
    ApplicationCertificate.loadOrCreate(pki, "urn:watchpost:device:x", "x", 30);
    Files.writeString(
        pki.resolve("own/application.key"),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    IOException e =
        assertThrows(
            IOException.class,
            () -> ApplicationCertificate.loadOrCreate(pki, "urn:watchpost:device:x", "x", 30));
    assertTrue(
        e.getMessage().contains("application.key") && e.getMessage().contains("delete both"),
        e.getMessage());
  }
}
