// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.ThrottlingProxy;

/**
 * A reconnect over mutual TLS resumes the TLS session instead of paying a full handshake: the bytes
 * of the second connection (handshake, CONNECT, BIRTH, both directions) are counted at a proxy and
 * compared with the first.
 */
class TlsResumptionTest {

  @Test
  void aReconnectCostsLessThanTheFirstConnection() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-tls-resume");
    TestCertificates site = TestCertificates.create(dir.resolve("pki"), "site");
    try (Mosquitto broker =
            Mosquitto.start(
                dir.resolve("broker"),
                Mosquitto.Options.tls(site.caCert(), site.serverCert(), site.serverKey(), true));
        ThrottlingProxy link = new ThrottlingProxy(broker.port(), 0)) {
      UplinkEngine engine =
          new UplinkEngine(
              Samples.config(
                  "ssl://127.0.0.1:" + link.port(),
                  dir.resolve("outbox.db"),
                  Map.of(
                      "tls_ca_file",
                      site.caCert().toString(),
                      "tls_client_keystore",
                      site.clientKeyStore().toString(),
                      "tls_client_keystore_password",
                      site.clientPassword(),
                      "reconnect_initial_ms",
                      50L)));
      try {
        assertTrue(UplinkOverMosquittoTest.awaitTrue(engine::connected, 10_000));
        Thread.sleep(1_000);
        long first = link.bytes(true) + link.bytes(false);
        link.cutAll();
        assertTrue(UplinkOverMosquittoTest.awaitTrue(() -> !engine.connected(), 10_000));
        assertTrue(UplinkOverMosquittoTest.awaitTrue(engine::connected, 10_000));
        Thread.sleep(1_000);
        long second = link.bytes(true) + link.bytes(false) - first;
        System.out.printf(
            "TLS: first connection %d B, reconnect %d B (both directions, handshake to BIRTH)%n",
            first, second);
        assertTrue(
            second < first * 0.7,
            "the reconnect resumed the session: " + second + " B after " + first + " B");
      } finally {
        engine.close();
      }
    }
  }
}
