// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;

/**
 * A {@code user:password@} written into {@code broker.url} (Paho ignores it; the credentials belong
 * in {@code username} and {@code password}) never reaches the log or the status: the uplink's start
 * line printed the URL as configured.
 */
class BrokerUrlRedactionTest {
  private static final String SECRET = "Pw-s3cret-42";

  @Test
  void theStartAndConnectLinesShowTheBrokerWithoutItsCredentials() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-url-redaction");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"))) {
      String log =
          logWhile(
              "connected to",
              () ->
                  new UplinkEngine(
                      Samples.config(
                          "tcp://watch:" + SECRET + "@127.0.0.1:" + broker.port(),
                          dir.resolve("outbox.db"),
                          Map.of("drain_on_stop_s", 0))));
      assertTrue(log.contains("uplink to tcp://***@127.0.0.1:" + broker.port() + " as"), log);
      assertTrue(log.contains("connected to tcp://***@127.0.0.1:" + broker.port()), log);
      assertFalse(log.contains(SECRET), log);
    }
  }

  @Test
  void aFailedConnectSaysWhichBrokerWithoutItsCredentials() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-url-redaction-down");
    int port = Mosquitto.freePort();
    UplinkEngine[] engine = new UplinkEngine[1];
    String log =
        logWhile(
            "unreachable",
            () ->
                engine[0] =
                    new UplinkEngine(
                        Samples.config(
                            "tcp://watch:" + SECRET + "@127.0.0.1:" + port,
                            dir.resolve("outbox.db"),
                            Map.of("drain_on_stop_s", 0))));
    String status = engine[0].lastError();
    assertTrue(status.contains("broker tcp://***@127.0.0.1:" + port + " is unreachable"), status);
    assertFalse(status.contains(SECRET), status);
    assertFalse(log.contains(SECRET), log);
  }

  /**
   * What the uplink logs from its start until a line says {@code until}; the engine is closed
   * after.
   */
  private static String logWhile(String until, EngineStart start) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    UplinkEngine engine = null;
    try {
      engine = start.start();
      assertTrue(
          UplinkOverMosquittoTest.awaitTrue(
              () -> captured.toString(StandardCharsets.UTF_8).contains(until), 15_000),
          captured.toString(StandardCharsets.UTF_8));
    } finally {
      if (engine != null) {
        engine.close();
      }
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  private interface EngineStart {
    UplinkEngine start() throws Exception;
  }
}
