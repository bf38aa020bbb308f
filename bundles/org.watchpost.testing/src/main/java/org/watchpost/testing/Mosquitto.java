// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Mosquitto (the Debian package) on a free loopback port, configured by a file the test
 * writes, stopped (SIGTERM, which saves its persistent sessions) or killed by the test.
 */
public final class Mosquitto implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final Path configFile;
  private Process process;

  /** Optional parts of the configuration. */
  public record Options(
      String user,
      String password,
      Path caFile,
      Path certFile,
      Path keyFile,
      boolean requireClientCert) {
    public static Options plain() {
      return new Options(null, null, null, null, null, false);
    }

    public Options withUser(String u, String p) {
      return new Options(u, p, caFile, certFile, keyFile, requireClientCert);
    }

    public static Options tls(Path ca, Path cert, Path key, boolean requireClientCert) {
      return new Options(null, null, ca, cert, key, requireClientCert);
    }
  }

  private Mosquitto(Path dir, int port, Path configFile) {
    this.dir = dir;
    this.port = port;
    this.configFile = configFile;
  }

  public static Mosquitto start(Path dir) {
    return start(dir, Options.plain());
  }

  public static Mosquitto start(Path dir, Options options) {
    return start(dir, options, freePort());
  }

  public static Mosquitto start(Path dir, Options options, int port) {
    try {
      Files.createDirectories(dir);
      List<String> lines = new ArrayList<>();
      // Started as root Mosquitto would switch to its own user, who may not write under target/.
      lines.add("user " + System.getProperty("user.name"));
      lines.add("listener " + port + " 127.0.0.1");
      lines.add("persistence true");
      lines.add("persistence_location " + dir.toAbsolutePath() + "/");
      lines.add("autosave_interval 1");
      lines.add("max_queued_messages 1000000");
      lines.add("max_inflight_messages 20");
      lines.add("log_dest file " + dir.resolve("mosquitto.log").toAbsolutePath());
      lines.add("log_type error");
      lines.add("log_type warning");
      lines.add("log_type notice");
      if (options.user() != null) {
        Path passwords = dir.resolve("passwords");
        Files.writeString(passwords, "");
        Process p =
            new ProcessBuilder(
                    "mosquitto_passwd",
                    "-b",
                    passwords.toString(),
                    options.user(),
                    options.password())
                .redirectErrorStream(true)
                .start();
        if (p.waitFor() != 0) {
          throw new IllegalStateException(
              "mosquitto_passwd failed: " + new String(p.getInputStream().readAllBytes()));
        }
        lines.add("allow_anonymous false");
        lines.add("password_file " + passwords.toAbsolutePath());
      } else {
        lines.add("allow_anonymous true");
      }
      if (options.certFile() != null) {
        lines.add("cafile " + options.caFile().toAbsolutePath());
        lines.add("certfile " + options.certFile().toAbsolutePath());
        lines.add("keyfile " + options.keyFile().toAbsolutePath());
        lines.add("require_certificate " + options.requireClientCert());
      }
      // A test adds what the options do not cover (an acl_file, max_packet_size) as *.conf files in
      // conf.d.
      if (Files.isDirectory(dir.resolve("conf.d"))) {
        lines.add("include_dir " + dir.resolve("conf.d").toAbsolutePath());
      }
      Path config = dir.resolve("mosquitto.conf");
      Files.write(config, lines);
      Mosquitto broker = new Mosquitto(dir, port, config);
      broker.launch();
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void launch() throws IOException, InterruptedException {
    process =
        new ProcessBuilder("mosquitto", "-c", configFile.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("mosquitto.out").toFile())
            .start();
    // Even a test JVM that exits without closing it (a failed fork) leaves no broker running.
    Process started = process;
    Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "mosquitto exited with "
                + process.exitValue()
                + ": "
                + Files.readString(dir.resolve("mosquitto.out"))
                + Files.readString(dir.resolve("mosquitto.log")));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("mosquitto did not listen on " + port + " within 10 s");
  }

  public int port() {
    return port;
  }

  public String url() {
    return "tcp://127.0.0.1:" + port;
  }

  /** SIGTERM: Mosquitto writes its persistence file and exits. */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  public void restart() throws IOException, InterruptedException {
    stop();
    launch();
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
