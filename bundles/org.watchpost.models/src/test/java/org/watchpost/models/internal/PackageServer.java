// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.watchpost.testing.HttpsTestServer;

/**
 * An HTTPS server on loopback ({@link HttpsTestServer}) that serves one package with Range support,
 * throttled, and optionally cuts the first responses short (a dropped link); the CA file a device
 * needs is {@link #caFile()}.
 */
final class PackageServer implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

  private final HttpsTestServer server;
  private volatile Path file;
  private volatile long bytesPerSecond;
  private volatile int cutsLeft;
  private volatile double cutShare;
  private volatile long trickleMillis;
  final List<Long> rangeStarts = new CopyOnWriteArrayList<>();
  volatile long bytesServed;

  PackageServer(Path dir, Path file, long bytesPerSecond) throws Exception {
    this.file = file;
    this.bytesPerSecond = bytesPerSecond;
    server =
        HttpsTestServer.start(
            dir,
            "package-server",
            exchange -> {
              try (exchange) {
                byte[] all = Files.readAllBytes(this.file);
                String range = exchange.getRequestHeaders().getFirst("Range");
                long start = 0;
                Matcher m = range == null ? null : RANGE.matcher(range);
                if (m != null && m.matches()) {
                  start = Long.parseLong(m.group(1));
                }
                rangeStarts.add(start);
                if (start > 0) {
                  exchange
                      .getResponseHeaders()
                      .add(
                          "Content-Range",
                          "bytes " + start + "-" + (all.length - 1) + "/" + all.length);
                }
                long length = all.length - start;
                exchange.sendResponseHeaders(start > 0 ? 206 : 200, length);
                long limit = length;
                if (cutsLeft > 0) {
                  cutsLeft--;
                  limit = (long) (length * cutShare);
                }
                OutputStream out = exchange.getResponseBody();
                long sent = 0;
                int piece = trickleMillis > 0 ? 1 : 8 * 1024;
                while (sent < limit) {
                  int n = (int) Math.min(piece, limit - sent);
                  out.write(all, (int) (start + sent), n);
                  out.flush();
                  sent += n;
                  bytesServed += n;
                  if (trickleMillis > 0) {
                    Thread.sleep(trickleMillis);
                  } else if (this.bytesPerSecond > 0) {
                    Thread.sleep(n * 1000L / this.bytesPerSecond);
                  }
                }
                if (limit < length) {
                  // A dropped link: the response ends short of its Content-Length.
                  throw new IOException("cut");
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  /**
   * Sends one byte every so often from now on (a server that defeats an idle watchdog); 0: normal
   * again.
   */
  void trickle(long millis) {
    this.trickleMillis = millis;
  }

  /** Serves another file at the same URL path. */
  void serve(Path other) {
    this.file = other;
  }

  /** Cuts the next {@code count} responses after this share of their length. */
  void cutNext(int count, double share) {
    this.cutShare = share;
    this.cutsLeft = count;
  }

  String url() {
    return server.url("127.0.0.1", "/package.zip");
  }

  Path caFile() {
    return server.caFile();
  }

  @Override
  public void close() {
    server.close();
  }
}
