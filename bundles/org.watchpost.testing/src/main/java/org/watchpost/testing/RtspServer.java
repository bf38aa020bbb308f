// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real RTSP server on a free loopback port: GStreamer's GstRtspServer, run by Debian's
 * /usr/bin/python3 (which has the gi module) from the script {@code rtsp_server.py} beside this
 * class, serving an H.264 MP4 clip in a loop over TCP or UDP, optionally behind basic
 * authentication. The test can freeze it (SIGSTOP: the connection stays open and silent, a
 * half-open stream), thaw it (SIGCONT), kill it and start it again on the same port.
 */
public final class RtspServer implements AutoCloseable {
  /** Debian's interpreter; a python3 earlier on the PATH (a venv) may lack the gi module. */
  public static final String PYTHON = "/usr/bin/python3";

  private static final long READY_TIMEOUT_SECONDS = 20;

  private final Path dir;
  private final Path clip;
  private final int port;
  private final String path;
  private final String user;
  private final String password;
  private Process process;

  private RtspServer(Path dir, Path clip, int port, String path, String user, String password) {
    this.dir = dir;
    this.clip = clip;
    this.port = port;
    this.path = path;
    this.user = user;
    this.password = password;
  }

  /** Serves {@code clip} without authentication at {@code rtsp://127.0.0.1:PORT/cam}. */
  public static RtspServer start(Path dir, Path clip) {
    return start(dir, clip, null, null);
  }

  /** Serves {@code clip}; with a user, every request needs basic authentication as that user. */
  public static RtspServer start(Path dir, Path clip, String user, String password) {
    try {
      Files.createDirectories(dir);
      RtspServer server = new RtspServer(dir, clip, Mosquitto.freePort(), "cam", user, password);
      server.launch();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void launch() throws IOException, InterruptedException {
    Path script = dir.resolve("rtsp_server.py");
    try (InputStream in = RtspServer.class.getResourceAsStream("rtsp_server.py")) {
      if (in == null) {
        throw new IllegalStateException(
            "rtsp_server.py is missing beside " + RtspServer.class.getName());
      }
      Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
    }
    List<String> command =
        new ArrayList<>(
            List.of(
                PYTHON,
                script.toString(),
                clip.toAbsolutePath().toString(),
                Integer.toString(port),
                path));
    if (user != null) {
      command.addAll(List.of(user, password));
    }
    Path log = dir.resolve("rtsp-server.log");
    process =
        new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    Process started = process;
    Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
    CountDownLatch ready = new CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                  if (line.startsWith("READY")) {
                    ready.countDown();
                  }
                }
              } catch (IOException e) {
                // the server is gone; the wait below reports it
              }
            },
            "rtsp-server-out-" + port);
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the RTSP server exited with "
                + process.exitValue()
                + " (needs "
                + PYTHON
                + " with python3-gi, gir1.2-gst-rtsp-server-1.0 and the GStreamer plugins): "
                + Files.readString(log));
      }
      if (ready.await(50, TimeUnit.MILLISECONDS) && accepts()) {
        return;
      }
    }
    process.destroyForcibly();
    throw new IllegalStateException(
        "the RTSP server did not listen on "
            + port
            + " within "
            + READY_TIMEOUT_SECONDS
            + " s: "
            + Files.readString(log));
  }

  private boolean accepts() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  public int port() {
    return port;
  }

  /** The stream's URL without credentials. */
  public String url() {
    return "rtsp://127.0.0.1:" + port + "/" + path;
  }

  /** The stream's URL with the given credentials in its user-info. */
  public String url(String withUser, String withPassword) {
    return "rtsp://" + withUser + ":" + withPassword + "@127.0.0.1:" + port + "/" + path;
  }

  public long pid() {
    return process.pid();
  }

  /**
   * SIGSTOP: the server's sockets stay open and nothing more is sent or answered, as with a hung
   * camera.
   */
  public void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT after {@link #freeze()}. */
  public void thaw() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException(
          "kill -"
              + name
              + " "
              + process.pid()
              + " failed: "
              + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** SIGKILL: the camera dies; its connections are reset. */
  public void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Kills the server if it runs and starts it again on the same port. */
  public void restart() throws IOException, InterruptedException {
    kill();
    launch();
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      try {
        // A frozen process ignores SIGTERM until continued; SIGKILL works either way.
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
