// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import dev.failsafe.RateLimiter;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.URI;
import java.net.URL;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * One attempt at fetching a package over HTTPS, resuming from the recorded offset with a Range
 * request. The server must answer 206 from that offset (or 200 with the whole file, and the part
 * file starts over). Never writes past the announced size.
 *
 * <p>Only public addresses are fetched: the host's addresses are all checked before the request,
 * and the socket checks the very address it connects to (a name that resolves elsewhere the second
 * time is caught there), unless the host is on the allow-list. A watchdog of this instance cuts a
 * connection whose headers do not come within the timeout, whose body brings less than the minimum
 * rate over the rate window (a server that trickles a byte now and then), or that outlives the
 * job's deadline. Reads are paced by the downlink budget (a token bucket).
 *
 * <p>The watchdog cuts by closing the TCP socket under the TLS one, never by closing the TLS socket
 * or the connection: a TLS 1.3 close takes the socket's read lock, which the download thread holds
 * while it is blocked in a read, so the watchdog would wait for the very read it is there to end
 * (and a server that sends a byte every so often lets the reader take the lock back each time).
 */
final class HttpsDownload implements AutoCloseable {
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final long COMMIT_BYTES = 256 * 1024;
  private static final long COMMIT_NANOS = 1_000_000_000L;
  private static final int BUFFER = 32 * 1024;

  /** The URL names an address the device may not fetch from; not worth a retry. */
  static final class UrlRefused extends Exception {
    private static final long serialVersionUID = 1L;

    UrlRefused(String message) {
      super(message);
    }
  }

  /**
   * The server answered, wrongly: the message is safe to send back (it only says what the named
   * server did).
   */
  static final class ServerProblem extends IOException {
    private static final long serialVersionUID = 1L;

    ServerProblem(String message) {
      super(message);
    }
  }

  /** Thrown by the socket's connect: the resolved address is not allowed. */
  private static final class AddressRefused extends SocketException {
    private static final long serialVersionUID = 1L;

    AddressRefused(String message) {
      super(message);
    }
  }

  private final SSLSocketFactory tls;
  private final Duration timeout;
  private final long minBytesPerWindow;
  private final Duration window;
  private final Set<String> allowedHosts;
  private final RateLimiter<Object> pace;
  private final int buffer;
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "models-download-watchdog");
            t.setDaemon(true);
            return t;
          });

  HttpsDownload(ModelsSettings settings) {
    this.timeout = settings.httpsTimeout();
    this.window = settings.httpsRateWindow();
    this.minBytesPerWindow =
        (long) settings.httpsMinBytesPerSecond() * settings.httpsRateWindow().toSeconds();
    this.allowedHosts = settings.httpsAllowedHosts();
    long bytesPerSecond = settings.httpsDownlinkBitsPerSecond() / 8;
    this.pace =
        bytesPerSecond > 0
            ? RateLimiter.smoothBuilder(bytesPerSecond, Duration.ofSeconds(1)).build()
            : null;
    this.buffer =
        bytesPerSecond > 0 ? (int) Math.max(1024, Math.min(BUFFER, bytesPerSecond / 4)) : BUFFER;
    SSLContext context;
    try {
      context =
          settings.httpsCaFile() != null
              ? trusting(settings.httpsCaFile())
              : SSLContext.getDefault();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS in this JVM", e);
    }
    this.tls = context.getSocketFactory();
  }

  private static SSLContext trusting(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int n = 0;
      for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + n++, cert);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "https_ca_file "
              + caFile
              + " is not a readable PEM of CA certificates: "
              + e.getMessage(),
          e);
    }
  }

  // ------------------------------------------------------------------ which addresses may be
  // fetched

  /**
   * Checks a URL before anything is sent: https, a host, and every address it resolves to public
   * (or the host allowed).
   */
  void checkUrl(URI uri) throws UrlRefused {
    if (!"https".equalsIgnoreCase(uri.getScheme())
        || uri.getHost() == null
        || uri.getRawUserInfo() != null) {
      throw new UrlRefused(uri.getScheme() + " URL without a plain host is not fetched");
    }
    String host = host(uri.getHost());
    if (allowedHosts.contains(host)) {
      return;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new UrlRefused("host " + host + " does not resolve");
    }
    for (InetAddress a : addresses) {
      String why = internal(a);
      if (why != null) {
        throw new UrlRefused("host " + host + " resolves to " + a.getHostAddress() + ", " + why);
      }
    }
  }

  private static String host(String h) {
    String lower = h.toLowerCase(Locale.ROOT);
    return lower.startsWith("[") && lower.endsWith("]")
        ? lower.substring(1, lower.length() - 1)
        : lower;
  }

  private boolean allowed(InetAddress a, String requestedHost) {
    return allowedHosts.contains(requestedHost)
        || allowedHosts.contains(a.getHostAddress().toLowerCase(Locale.ROOT));
  }

  /**
   * @return why the address is not a public one, or null
   */
  static String internal(InetAddress a) {
    if (a.isAnyLocalAddress()) {
      return "a wildcard address";
    }
    if (a.isLoopbackAddress()) {
      return "a loopback address";
    }
    if (a.isLinkLocalAddress()) {
      return "a link-local address";
    }
    if (a.isSiteLocalAddress()) {
      return "a private address";
    }
    if (a.isMulticastAddress()) {
      return "a multicast address";
    }
    byte[] b = a.getAddress();
    if (b.length == 4) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      if (first == 0
          || first >= 240
          || first == 100 && (second & 0xc0) == 64
          || first == 192 && second == 0 && (b[2] & 0xff) == 0
          || first == 198 && (second & 0xfe) == 18) {
        return "a reserved or shared address";
      }
    } else if ((b[0] & 0xfe) == 0xfc) {
      return "a unique local address";
    }
    return null;
  }

  /**
   * Sockets that refuse to connect to an address the check would refuse; one per connection, so
   * that the watchdog can close the TCP socket it made.
   */
  private final class CheckedSockets extends SSLSocketFactory {
    private final SSLSocketFactory real;
    private final AtomicReference<Socket> made;

    CheckedSockets(SSLSocketFactory real, AtomicReference<Socket> made) {
      this.real = real;
      this.made = made;
    }

    @Override
    public Socket createSocket() {
      Socket socket =
          new Socket() {
            @Override
            public void connect(SocketAddress endpoint, int timeoutMillis) throws IOException {
              if (!(endpoint instanceof InetSocketAddress isa) || isa.getAddress() == null) {
                throw new AddressRefused("unresolved endpoint " + endpoint);
              }
              String why = internal(isa.getAddress());
              if (why != null && !allowed(isa.getAddress(), host(isa.getHostString()))) {
                throw new AddressRefused(
                    isa.getHostString()
                        + " connects to "
                        + isa.getAddress().getHostAddress()
                        + ", "
                        + why);
              }
              super.connect(endpoint, timeoutMillis);
            }
          };
      made.set(socket);
      return socket;
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose)
        throws IOException {
      return real.createSocket(s, host, port, autoClose);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      throw new SocketException("only unconnected sockets are made here");
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      throw new SocketException("only unconnected sockets are made here");
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      throw new SocketException("only unconnected sockets are made here");
    }

    @Override
    public Socket createSocket(
        InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
      throw new SocketException("only unconnected sockets are made here");
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return real.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return real.getSupportedCipherSuites();
    }
  }

  // ------------------------------------------------------------------ the transfer

  /**
   * Reads on; when the link drops, what arrived before is kept, so the next attempt resumes after
   * it.
   */
  private static int read(
      InputStream body, byte[] buffer, TransferRecord record, IncomingStore store, long position)
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
   * @throws IOException when the connection fails or the server answers wrongly; what was committed
   *     stays
   * @throws UrlRefused when the URL names an address the device may not fetch from
   */
  void fetch(TransferRecord record, IncomingStore store, LongConsumer progress)
      throws IOException, InterruptedException, UrlRefused {
    URI uri;
    try {
      uri = URI.create(record.url);
    } catch (IllegalArgumentException e) {
      throw new UrlRefused("not a URL");
    }
    checkUrl(uri);
    if (record.complete()) {
      return;
    }
    HttpsURLConnection connection =
        (HttpsURLConnection) new URL(uri.toASCIIString()).openConnection();
    AtomicReference<Socket> tcp = new AtomicReference<>();
    connection.setSSLSocketFactory(new CheckedSockets(tls, tcp));
    connection.setInstanceFollowRedirects(false);
    connection.setUseCaches(false);
    connection.setConnectTimeout((int) timeout.toMillis());
    connection.setReadTimeout((int) timeout.toMillis());
    connection.setRequestProperty("Range", "bytes=" + record.offset + "-");
    connection.setRequestProperty("Accept-Encoding", "identity");
    AtomicLong bytes = new AtomicLong();
    long started = System.nanoTime();
    long[] windowStart = {started, 0};
    boolean[] body = {false};
    String[] cut = {null};
    ScheduledFuture<?> dog =
        watchdog.scheduleAtFixedRate(
            () -> {
              long now = System.nanoTime();
              String why = null;
              if (record.deadlineMillis > 0
                  && System.currentTimeMillis() >= record.deadlineMillis) {
                why = "the job's deadline passed";
              } else if (!body[0] && now - started > timeout.toNanos()) {
                why = "no answer within " + timeout.toSeconds() + " s";
              } else if (body[0] && now - windowStart[0] >= window.toNanos()) {
                long got = bytes.get() - windowStart[1];
                if (got < minBytesPerWindow) {
                  why =
                      got
                          + " bytes in "
                          + window.toSeconds()
                          + " s, less than the minimum "
                          + minBytesPerWindow;
                }
                windowStart[0] = now;
                windowStart[1] = bytes.get();
              }
              if (why != null) {
                cut[0] = why;
                cutTcp(tcp.get(), connection);
              }
            },
            250,
            250,
            TimeUnit.MILLISECONDS);
    try {
      int status;
      try {
        status = connection.getResponseCode();
      } catch (IOException e) {
        throw refusedOr(e, cut[0]);
      }
      body[0] = true;
      windowStart[0] = System.nanoTime();
      long position;
      if (status == 206) {
        String range = String.valueOf(connection.getHeaderField("Content-Range"));
        Matcher m = CONTENT_RANGE.matcher(range);
        if (!m.matches() || Long.parseLong(m.group(1)) != record.offset) {
          throw new ServerProblem(
              "server answered Range " + record.offset + "- with another Content-Range");
        }
        position = record.offset;
      } else if (status == 200) {
        position = 0;
        record.offset = 0;
        store.truncate(record);
      } else {
        throw new ServerProblem("server answered HTTP " + status);
      }
      try (InputStream in = connection.getInputStream()) {
        byte[] chunk = new byte[buffer];
        long lastCommit = System.nanoTime();
        long committed = position;
        int n;
        while (true) {
          try {
            n = read(in, chunk, record, store, position);
          } catch (IOException e) {
            throw cut[0] != null ? new IOException("connection cut: " + cut[0], e) : e;
          }
          if (n <= 0) {
            break;
          }
          if (position + n > record.size) {
            throw new ServerProblem(
                "server sent more than the announced " + record.size + " bytes");
          }
          if (pace != null) {
            pace.acquirePermits(n);
          }
          bytes.addAndGet(n);
          store.append(record, position, chunk, n);
          position += n;
          if (position - committed >= COMMIT_BYTES
              || System.nanoTime() - lastCommit >= COMMIT_NANOS) {
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
        if (position < record.size) {
          // HttpURLConnection ends a body cut short like a complete one; what came is kept for the
          // next attempt.
          throw new IOException(
              cut[0] != null
                  ? "connection cut: " + cut[0]
                  : "the body ended at " + position + " of " + record.size + " bytes");
        }
      }
    } finally {
      dog.cancel(false);
      connection.disconnect();
    }
  }

  /** Ends the connection at once, whatever the download thread holds (see the class comment). */
  private static void cutTcp(Socket tcp, HttpURLConnection connection) {
    if (tcp == null) {
      // Not connected yet: nothing is read, so nothing holds the TLS socket's locks.
      connection.disconnect();
      return;
    }
    try {
      tcp.close();
    } catch (IOException e) {
      // Closing a TCP socket fails only when it is already closed.
    }
  }

  private static IOException refusedOr(IOException e, String cut) throws UrlRefused {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AddressRefused) {
        throw new UrlRefused(t.getMessage());
      }
    }
    return cut != null ? new IOException("connection cut: " + cut, e) : e;
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
  }
}
