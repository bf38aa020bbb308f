// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.watchpost.simulator.broker.EmbeddedBroker;

/**
 * The fleet's broker: Mosquitto (Debian's package) on a free loopback port when installed, else
 * Moquette embedded.
 */
final class Broker implements AutoCloseable {
  private final Process mosquitto;
  private final EmbeddedBroker embedded;
  private final int port;

  private Broker(Process mosquitto, EmbeddedBroker embedded, int port) {
    this.mosquitto = mosquitto;
    this.embedded = embedded;
    this.port = port;
  }

  static boolean mosquittoInstalled() {
    return Files.isExecutable(Path.of("/usr/sbin/mosquitto"))
        || Files.isExecutable(Path.of("/usr/bin/mosquitto"));
  }

  static Broker start(String kind, Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    if (kind.equals("mosquitto") && mosquittoInstalled()) {
      int port = freePort();
      Path config = dir.resolve("mosquitto.conf");
      Files.write(
          config,
          List.of(
              "user " + System.getProperty("user.name"),
              "listener " + port + " 127.0.0.1",
              "allow_anonymous true",
              "persistence false",
              "max_queued_messages 100000",
              "max_inflight_messages 20",
              "log_dest file " + dir.resolve("mosquitto.log").toAbsolutePath(),
              "log_type error",
              "log_type warning"));
      String binary =
          Files.isExecutable(Path.of("/usr/sbin/mosquitto"))
              ? "/usr/sbin/mosquitto"
              : "/usr/bin/mosquitto";
      Process process =
          new ProcessBuilder(binary, "-c", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("mosquitto.out").toFile())
              .start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IOException(
              "mosquitto exited: " + Files.readString(dir.resolve("mosquitto.out")));
        }
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return new Broker(process, null, port);
        } catch (IOException notYet) {
          Thread.sleep(50);
        }
      }
      process.destroyForcibly();
      throw new IOException("mosquitto did not listen on port " + port + " within 10 s");
    }
    EmbeddedBroker broker = EmbeddedBroker.start(dir);
    return new Broker(null, broker, broker.port());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  int port() {
    return port;
  }

  String url() {
    return "tcp://127.0.0.1:" + port;
  }

  String kind() {
    return mosquitto != null ? "mosquitto" : "moquette (embedded)";
  }

  @Override
  public void close() {
    if (mosquitto != null) {
      mosquitto.destroy();
      try {
        if (!mosquitto.waitFor(5, TimeUnit.SECONDS)) {
          mosquitto.destroyForcibly();
        }
      } catch (InterruptedException e) {
        mosquitto.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    if (embedded != null) {
      embedded.close();
    }
  }
}
