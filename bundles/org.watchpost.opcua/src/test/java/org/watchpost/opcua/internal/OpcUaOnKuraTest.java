// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.SharedData;

/**
 * Inside Kura every PID of the Metatype gets a configuration with its defaults (Kura's
 * ConfigurationService seeds them), so the server's REQUIRE policy no longer means that someone
 * asked for it.
 */
class OpcUaOnKuraTest {

  @Test
  void onKurasSeededDefaultsTheServerOpensNoPortAndGeneratesNoCredential() throws Exception {
    Path dir = SharedData.scratchDirectory("opcua-on-kura");
    int port = OpcUaServerTest.freePort();
    OpcUaComponent component =
        new OpcUaComponent(
            OpcUaServerTest.config(dir, port, Map.of("users", new String[0])),
            dir.toString(),
            true);
    try {
      assertThrows(ConnectException.class, () -> connect(port));
      assertFalse(
          Files.exists(dir.resolve("credential")),
          "no credential generated and printed into Kura's log");
      assertFalse(Files.exists(dir.resolve("pki")), "no certificate made");
    } finally {
      component.deactivate();
    }
  }

  @Test
  void onKuraWithUsersConfiguredTheServerServes() throws Exception {
    Path dir = SharedData.scratchDirectory("opcua-on-kura-users");
    int port = OpcUaServerTest.freePort();
    OpcUaComponent component =
        new OpcUaComponent(OpcUaServerTest.config(dir, port, Map.of()), dir.toString(), true);
    try {
      connect(port);
      assertTrue(Files.isDirectory(dir.resolve("pki")));
    } finally {
      component.deactivate();
    }
  }

  private static void connect(int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    }
  }
}
