package org.watchpost.models.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * One attempt at fetching a package over HTTPS, resuming from the recorded offset with a Range request. The
 * server must answer 206 from that offset (or 200 with the whole file, and the part file starts over). Never
 * writes past the announced size.
 */
final class HttpsDownload {
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final long COMMIT_BYTES = 256 * 1024;
  private static final long COMMIT_NANOS = 1_000_000_000L;

  private static final java.util.concurrent.ScheduledExecutorService WATCHDOG =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "models-download-watchdog");
        t.setDaemon(true);
        return t;
      });

  private final HttpClient client;
  private final Duration timeout;

  HttpsDownload(Path caFile, Duration timeout) {
    this.timeout = timeout;
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER);
    if (caFile != null) {
      builder.sslContext(trusting(caFile));
    }
    this.client = builder.build();
  }

  private static SSLContext trusting(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int n = 0;
      for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + n++, cert);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("https_ca_file " + caFile + " is not a readable PEM of CA certificates: "
          + e.getMessage(), e);
    }
  }

  /** Reads on; when the link drops, what arrived before is kept, so the next attempt resumes after it. */
  private static int read(InputStream body, byte[] buffer, TransferRecord record, IncomingStore store, long position)
      throws IOException {
    try {
      return body.read(buffer);
    } catch (IOException e) {
      if (position > record.offset) {
        store.commit(record, position);
      }
      throw e;
    }
  }

  /**
   * Fetches from the record's offset to its size.
   *
   * @param progress told the committed offset now and then
   * @throws IOException when the connection fails or the server answers wrongly; what was committed stays
   */
  void fetch(TransferRecord record, IncomingStore store, LongConsumer progress) throws IOException, InterruptedException {
    URI uri = URI.create(record.url);
    if (!"https".equalsIgnoreCase(uri.getScheme())) {
      throw new IOException("package URL " + record.url + " is not https");
    }
    if (record.complete()) {
      return;
    }
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Range", "bytes=" + record.offset + "-").GET().build();
    HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    // The request timeout covers the headers only: a body that stalls is closed by this watchdog.
    java.util.concurrent.atomic.AtomicLong lastRead = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
    InputStream stream = response.body();
    java.util.concurrent.ScheduledFuture<?> watchdog = WATCHDOG.scheduleAtFixedRate(() -> {
      if (System.nanoTime() - lastRead.get() > timeout.toNanos()) {
        try {
          stream.close();
        } catch (IOException ignored) {
          // closing is all it is for
        }
      }
    }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    try (InputStream body = new java.io.FilterInputStream(stream) {
      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        lastRead.set(System.nanoTime());
        return n;
      }
    }) {
      long position;
      if (response.statusCode() == 206) {
        String range = response.headers().firstValue("Content-Range").orElse("");
        Matcher m = CONTENT_RANGE.matcher(range);
        if (!m.matches() || Long.parseLong(m.group(1)) != record.offset) {
          throw new IOException("server answered Range " + record.offset + "- with Content-Range '" + range + "'");
        }
        position = record.offset;
      } else if (response.statusCode() == 200) {
        position = 0;
        record.offset = 0;
        store.truncate(record);
      } else {
        throw new IOException("server answered " + response.statusCode() + " for " + record.url);
      }
      byte[] buffer = new byte[32 * 1024];
      long lastCommit = System.nanoTime();
      long committed = position;
      int n;
      while ((n = read(body, buffer, record, store, position)) > 0) {
        if (position + n > record.size) {
          throw new IOException("server sent more than the announced " + record.size + " bytes");
        }
        store.append(record, position, buffer, n);
        position += n;
        if (position - committed >= COMMIT_BYTES || System.nanoTime() - lastCommit >= COMMIT_NANOS) {
          store.commit(record, position);
          committed = position;
          lastCommit = System.nanoTime();
          progress.accept(position);
        }
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
      }
      store.commit(record, position);
      progress.accept(position);
    } finally {
      watchdog.cancel(false);
    }
  }
}
