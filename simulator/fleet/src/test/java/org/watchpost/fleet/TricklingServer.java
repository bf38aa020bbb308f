// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.watchpost.testing.HttpsTestServer;

/**
 * An HTTPS server on loopback ({@link HttpsTestServer}) that answers at once and then sends its
 * body one byte every so often: never idle for long, far too slow to ever finish.
 */
final class TricklingServer implements AutoCloseable {
  private final HttpsTestServer server;
  final AtomicLong bytesSent = new AtomicLong();
  final AtomicLong requests = new AtomicLong();

  TricklingServer(Path dir, long size, long everyMillis) throws Exception {
    server =
        HttpsTestServer.start(
            dir,
            "trickling-server",
            exchange -> {
              requests.incrementAndGet();
              try (exchange) {
                exchange.sendResponseHeaders(200, size);
                OutputStream out = exchange.getResponseBody();
                for (long i = 0; i < size; i++) {
                  out.write('x');
                  out.flush();
                  bytesSent.incrementAndGet();
                  Thread.sleep(everyMillis);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  String url() {
    return server.url("localhost", "/package.zip");
  }

  Path caFile() {
    return server.caFile();
  }

  @Override
  public void close() {
    server.close();
  }
}
