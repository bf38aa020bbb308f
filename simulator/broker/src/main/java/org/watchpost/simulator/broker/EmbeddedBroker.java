// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.broker;

import io.moquette.broker.Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * An MQTT broker inside the demo's JVM: Moquette on a free loopback port, without persistence,
 * writing nothing outside the directory it is given, and never calling home (its telemetry is off).
 */
public final class EmbeddedBroker implements AutoCloseable {
  private final Server server = new Server();
  private final int port;
  private boolean running;

  private EmbeddedBroker(int port) {
    this.port = port;
  }

  /**
   * Starts a broker on a free port of 127.0.0.1.
   *
   * @param dataDirectory where the broker may write (it is created when missing)
   */
  public static EmbeddedBroker start(Path dataDirectory) {
    try {
      Files.createDirectories(dataDirectory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the broker directory " + dataDirectory, e);
    }
    IOException last = null;
    // A port found free can be taken before the broker binds it; a second choice settles that.
    for (int attempt = 0; attempt < 3; attempt++) {
      EmbeddedBroker broker = new EmbeddedBroker(freePort());
      try {
        broker.server.startServer(broker.properties(dataDirectory));
        broker.running = true;
        return broker;
      } catch (IOException e) {
        last = e;
      }
    }
    throw new UncheckedIOException("the embedded broker did not start", last);
  }

  private Properties properties(Path dataDirectory) {
    Properties p = new Properties();
    p.setProperty("host", "127.0.0.1");
    p.setProperty("port", String.valueOf(port));
    p.setProperty("websocket_port", "disabled");
    p.setProperty("allow_anonymous", "true");
    p.setProperty("persistence_enabled", "false");
    p.setProperty("data_path", dataDirectory.toAbsolutePath().toString());
    p.setProperty("telemetry_enabled", "false");
    p.setProperty("netty.mqtt.message_size", String.valueOf(1 << 20));
    return p;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on loopback", e);
    }
  }

  public int port() {
    return port;
  }

  /** The URL the device and the monitor connect to. */
  public String url() {
    return "tcp://127.0.0.1:" + port;
  }

  public synchronized void stop() {
    if (running) {
      server.stopServer();
      running = false;
    }
  }

  @Override
  public void close() {
    stop();
  }
}
