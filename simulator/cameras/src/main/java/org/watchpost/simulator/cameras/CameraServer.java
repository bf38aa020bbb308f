// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.cameras;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves simulated cameras on loopback as an IP camera serves its stream: {@code /cameras/ID.mjpg}
 * is Motion-JPEG over HTTP ({@code multipart/x-mixed-replace}, one JPEG part per frame), {@code
 * /cameras/ID.jpg} the newest frame. While a camera's fault schedule drops its stream, open streams
 * are cut and requests get 503, as a camera that lost power or network would look to its client.
 */
public final class CameraServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CameraServer.class);
  static final String BOUNDARY = "watchpostframe";

  /** A viewer that gets no new frame for this long is closed. */
  private static final long STALL_MILLIS = 10_000;

  private final HttpServer server;
  private final ExecutorService workers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "camera-http");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, SimulatedCamera> cameras = new ConcurrentHashMap<>();

  public CameraServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext("/cameras/", this::handle);
    server.setExecutor(workers);
    server.start();
  }

  public void add(SimulatedCamera camera) {
    cameras.put(camera.id(), camera);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The stream URL of a camera, as a device is configured with it. */
  public String streamUrl(String cameraId) {
    return "http://127.0.0.1:" + port() + "/cameras/" + cameraId + ".mjpg";
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      String name = path.substring("/cameras/".length());
      int dot = name.lastIndexOf('.');
      SimulatedCamera camera = dot < 0 ? null : cameras.get(name.substring(0, dot));
      if (camera == null || !exchange.getRequestMethod().equals("GET")) {
        reply(exchange, 404, "no camera at " + path);
        return;
      }
      camera.start();
      if (camera.dropped()) {
        reply(exchange, 503, "camera " + camera.id() + " is not answering");
        return;
      }
      switch (name.substring(dot + 1)) {
        case "mjpg" -> stream(exchange, camera);
        case "jpg" -> snapshot(exchange, camera);
        default -> reply(exchange, 404, "use .mjpg or .jpg");
      }
    }
  }

  private static void snapshot(HttpExchange exchange, SimulatedCamera camera) throws IOException {
    SimulatedCamera.Jpeg jpeg = camera.latest();
    if (jpeg == null) {
      try {
        jpeg = camera.next(0, 2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (jpeg == null) {
      reply(exchange, 503, "no frame yet");
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", "image/jpeg");
    exchange.sendResponseHeaders(200, jpeg.bytes().length);
    exchange.getResponseBody().write(jpeg.bytes());
  }

  private static void stream(HttpExchange exchange, SimulatedCamera camera) throws IOException {
    exchange
        .getResponseHeaders()
        .set("Content-Type", "multipart/x-mixed-replace;boundary=" + BOUNDARY);
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    long seen = 0;
    try {
      while (true) {
        SimulatedCamera.Jpeg jpeg = camera.next(seen, STALL_MILLIS);
        if (jpeg == null || camera.dropped()) {
          return;
        }
        seen = jpeg.number();
        String head =
            "--"
                + BOUNDARY
                + "\r\nContent-Type: image/jpeg\r\nContent-Length: "
                + jpeg.bytes().length
                + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(jpeg.bytes());
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    } catch (IOException e) {
      LOG.debug("viewer of {} left: {}", camera.id(), e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void reply(HttpExchange exchange, int status, String text) throws IOException {
    byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  @Override
  public void close() {
    server.stop(0);
    cameras.values().forEach(SimulatedCamera::close);
    workers.shutdownNow();
  }
}
