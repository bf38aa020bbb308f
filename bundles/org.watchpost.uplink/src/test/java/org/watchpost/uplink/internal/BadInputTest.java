// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.ThrottlingProxy;

/**
 * What goes wrong in the field: each case gives a clear error, keeps retrying, and loses nothing
 * once the cause is fixed.
 */
class BadInputTest {

  private static void publishTen(UplinkEngine engine) {
    for (int i = 0; i < 10; i++) {
      engine.publish(Samples.withPriority("gate", i, Priority.EVENT));
    }
  }

  private static boolean errorSays(UplinkEngine engine, String text) throws InterruptedException {
    return UplinkOverMosquittoTest.awaitTrue(() -> engine.lastError().contains(text), 15_000);
  }

  @Test
  void anUnreachableBrokerIsRetriedAndNothingIsLost() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-unreachable");
    int devicePort = Mosquitto.freePort();
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url())) {
      UplinkEngine engine =
          new UplinkEngine(
              Samples.config(
                  "tcp://127.0.0.1:" + devicePort,
                  dir.resolve("outbox.db"),
                  Map.of("reconnect_max_ms", 300L)));
      try {
        publishTen(engine);
        assertTrue(errorSays(engine, "unreachable"), engine.lastError());
        assertFalse(engine.connected());
        // The link comes up: a proxy now listens where the device looks.
        try (ThrottlingProxy link = new ThrottlingProxy(devicePort, broker.port(), 0)) {
          assertTrue(
              receiver.await(() -> receiver.bySeq().size() == 10, 15_000),
              "all 10 arrive once it is up");
          assertEquals("", engine.lastError());
        }
      } finally {
        engine.close();
      }
    }
  }

  @Test
  void wrongCredentialsAreNamedAndTheOutboxWaitsForTheRightOnes() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-credentials");
    Path outbox = dir.resolve("outbox.db");
    try (Mosquitto broker =
            Mosquitto.start(
                dir.resolve("broker"), Mosquitto.Options.plain().withUser("box-7", "right"));
        Receiver receiver = new Receiver(broker.url(), "box-7", "right", null)) {
      UplinkEngine wrong =
          new UplinkEngine(
              Samples.config(
                  broker.url(),
                  outbox,
                  Map.of("username", "box-7", "password", "wrong", "drain_on_stop_s", 0)));
      publishTen(wrong);
      assertTrue(errorSays(wrong, "refused"), wrong.lastError());
      System.out.println("wrong password: " + wrong.lastError());
      assertTrue(
          wrong.lastError().contains("box-7"), "the error names the user: " + wrong.lastError());
      wrong.close();
      assertEquals(10, new Outbox(outbox, 64L << 20).depth(), "nothing left the outbox");

      UplinkEngine right =
          new UplinkEngine(
              Samples.config(
                  broker.url(), outbox, Map.of("username", "box-7", "password", "right")));
      try {
        assertTrue(receiver.await(() -> receiver.bySeq().size() == 10, 15_000));
      } finally {
        right.close();
      }
    }
  }

  @Test
  void aTlsMismatchIsNamedAndMutualTlsThenDeliversEverything() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-tls");
    Path outbox = dir.resolve("outbox.db");
    TestCertificates site = TestCertificates.create(dir.resolve("pki"), "site");
    TestCertificates other = TestCertificates.create(dir.resolve("pki"), "other");
    try (Mosquitto broker =
        Mosquitto.start(
            dir.resolve("broker"),
            Mosquitto.Options.tls(site.caCert(), site.serverCert(), site.serverKey(), true))) {
      String url = "ssl://127.0.0.1:" + broker.port();
      // Trusts the wrong CA.
      UplinkEngine mismatch =
          new UplinkEngine(
              Samples.config(
                  url,
                  outbox,
                  Map.of(
                      "tls_ca_file",
                      other.caCert().toString(),
                      "tls_client_keystore",
                      site.clientKeyStore().toString(),
                      "tls_client_keystore_password",
                      site.clientPassword(),
                      "drain_on_stop_s",
                      0)));
      publishTen(mismatch);
      assertTrue(errorSays(mismatch, "TLS handshake"), mismatch.lastError());
      System.out.println("wrong CA: " + mismatch.lastError());
      mismatch.close();
      // Trusts the right CA but shows no client certificate: the broker requires one.
      UplinkEngine anonymous =
          new UplinkEngine(
              Samples.config(
                  url,
                  outbox,
                  Map.of("tls_ca_file", site.caCert().toString(), "drain_on_stop_s", 0)));
      assertTrue(UplinkOverMosquittoTest.awaitTrue(() -> !anonymous.lastError().isEmpty(), 15_000));
      System.out.println("no client certificate: " + anonymous.lastError());
      assertFalse(anonymous.connected());
      anonymous.close();

      try (Receiver receiver =
          new Receiver(
              url,
              null,
              null,
              TlsSockets.create(
                  site.caCert().toString(),
                  site.clientKeyStore().toString(),
                  site.clientPassword().toCharArray()))) {
        UplinkEngine mutual =
            new UplinkEngine(
                Samples.config(
                    url,
                    outbox,
                    Map.of(
                        "tls_ca_file",
                        site.caCert().toString(),
                        "tls_client_keystore",
                        site.clientKeyStore().toString(),
                        "tls_client_keystore_password",
                        site.clientPassword())));
        try {
          assertTrue(
              receiver.await(() -> receiver.bySeq().size() == 10, 15_000),
              "mutual TLS delivers the backlog");
        } finally {
          mutual.close();
        }
      }
    }
  }

  /**
   * A server that accepts TCP and then says nothing: the stall before CONNACK that can hang Paho.
   */
  @Test
  void theConnectWatchdogAbandonsAStalledConnectAndRetries() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-watchdog");
    AtomicInteger accepted = new AtomicInteger();
    List<Socket> held = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                while (!silent.isClosed()) {
                  try {
                    held.add(silent.accept());
                    accepted.incrementAndGet();
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      UplinkEngine engine =
          new UplinkEngine(
              Samples.config(
                  "tcp://127.0.0.1:" + silent.getLocalPort(),
                  dir.resolve("outbox.db"),
                  Map.of("connect_timeout_s", 1, "reconnect_max_ms", 200L, "drain_on_stop_s", 0)));
      try {
        assertTrue(errorSays(engine, "CONNACK"), engine.lastError());
        assertTrue(
            UplinkOverMosquittoTest.awaitTrue(() -> accepted.get() >= 3, 20_000),
            "it keeps retrying: " + accepted.get() + " attempts");
        System.out.println(
            "stalled broker: " + engine.lastError() + " (" + accepted.get() + " attempts)");
      } finally {
        engine.close();
        for (Socket s : held) {
          s.close();
        }
      }
    }
  }

  @Test
  void aMessageOverTheSizeLimitIsRefusedWithItsTopicAndSize() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-oversize");
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    UplinkEngine engine =
        new UplinkEngine(
            Samples.config(
                "tcp://127.0.0.1:" + Mosquitto.freePort(),
                dir.resolve("outbox.db"),
                Map.of("max_message_bytes", 1_024, "drain_on_stop_s", 0)));
    try {
      System.setErr(new PrintStream(captured, true));
      engine.publish(
          new Event(
              "intrusion",
              "fence",
              "gate",
              "person",
              3,
              0.9f,
              null,
              Samples.T0,
              Samples.T0,
              Priority.ALARM,
              Map.of(),
              new byte[4_000]));
      engine.publish(Samples.withPriority("gate", 1, Priority.EVENT));
    } finally {
      System.setErr(original);
    }
    try {
      assertEquals(1, engine.refused());
      assertTrue(
          UplinkOverMosquittoTest.awaitTrue(() -> engine.outbox().depth() == 1, 5_000),
          "the small event is stored, the large one is not");
      String log = captured.toString();
      assertTrue(
          log.contains("acme/box-7/wp/events/gate") && log.contains("4") && log.contains("1024"),
          log);
      assertEquals(1L, engine.summary().get("refused"));
    } finally {
      engine.close();
    }
  }

  @Test
  void aBrokerWithoutMqtt5GetsMqtt311() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-moquette");
    int port = Mosquitto.freePort();
    io.moquette.broker.Server moquette = new io.moquette.broker.Server();
    Properties properties = new Properties();
    properties.setProperty("host", "127.0.0.1");
    properties.setProperty("port", String.valueOf(port));
    properties.setProperty("websocket_port", "disabled");
    properties.setProperty("allow_anonymous", "true");
    properties.setProperty("persistence_enabled", "false");
    properties.setProperty("data_path", dir.resolve("moquette").toString());
    properties.setProperty("telemetry_enabled", "false");
    moquette.startServer(properties);
    try (Receiver receiver = new Receiver("tcp://127.0.0.1:" + port)) {
      UplinkEngine engine =
          new UplinkEngine(
              Samples.config("tcp://127.0.0.1:" + port, dir.resolve("outbox.db"), new HashMap<>()));
      try {
        publishTen(engine);
        assertTrue(receiver.await(() -> receiver.bySeq().size() == 10, 15_000));
        assertEquals("3.1.1", engine.protocol(), "auto fell back to MQTT 3.1.1");
      } finally {
        engine.close();
      }
    } finally {
      moquette.stopServer();
    }
  }

  /**
   * Issue 19: the bytes expected back for a message (a chunk request) were kept by seq until its
   * PUBACK, also for messages the full outbox dropped, so on a device that stays offline they grew
   * without bound.
   */
  @Test
  void replyBookkeepingOfDroppedMessagesIsForgotten() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-reply-bookkeeping");
    try (UplinkEngine engine =
        new UplinkEngine(
            Samples.config(
                "tcp://127.0.0.1:" + Mosquitto.freePort(),
                dir.resolve("outbox.db"),
                Map.of("outbox_max_bytes", 4096L, "drain_on_stop_s", 0)))) {
      for (int i = 0; i < 200; i++) {
        assertTrue(
            engine.notify(
                new org.watchpost.api.remote.Notification(
                    "TEST-V1", "console", "chunk", Map.of("n", i), Priority.BULK, 5_000)));
      }
      assertTrue(
          UplinkOverMosquittoTest.awaitTrue(
              () -> engine.outbox().depth() + engine.outbox().droppedTotal() == 200, 10_000),
          "all stored or dropped");
      assertTrue(
          engine.outbox().droppedTotal() > 100,
          "the small outbox dropped most: " + engine.outbox().droppedTotal());
      // The writer updates the bookkeeping just after the outbox's counts; wait for it, then
      // compare exactly.
      UplinkOverMosquittoTest.awaitTrue(
          () -> engine.outbox().depth() == engine.replyBookkeeping(), 10_000);
      assertEquals(
          engine.outbox().depth(),
          engine.replyBookkeeping(),
          "bookkeeping only for what is still stored");
    }
  }

  /**
   * A notification to a requester that breaks the topic rules is refused at the call, never queued.
   */
  @Test
  void aNotificationToAnInvalidRequesterIsRefused() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-bad-notify");
    try (UplinkEngine engine =
        new UplinkEngine(
            Samples.config(
                "tcp://127.0.0.1:" + Mosquitto.freePort(),
                dir.resolve("outbox.db"),
                Map.of("drain_on_stop_s", 0)))) {
      assertFalse(
          engine.notify(
              new org.watchpost.api.remote.Notification(
                  "TEST-V1", "con\u0001sole", "install", Map.of(), Priority.HEALTH, 0)));
      assertEquals(1L, engine.refused());
      assertEquals(0L, engine.outbox().depth());
    }
  }
}
