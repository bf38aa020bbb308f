package org.watchpost.models.internal;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An HTTPS server on loopback that serves one package with Range support, throttled, and optionally cuts the
 * first responses short (a dropped link). Its certificate is made by the JDK's keytool at test time; the CA file
 * a device needs is {@link #caFile()}.
 */
final class PackageServer implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

  private final HttpsServer server;
  private final Path caFile;
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
    Files.createDirectories(dir);
    Path keystore = dir.resolve("server.p12");
    caFile = dir.resolve("server.pem");
    if (!Files.exists(keystore)) {
      keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
          "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", keystore.toString(), "-storetype",
          "PKCS12", "-storepass", "changeit", "-keypass", "changeit");
      keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(), "-storepass", "changeit",
          "-file", caFile.toString());
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(context));
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "package-server");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", exchange -> {
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
          exchange.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + (all.length - 1) + "/" + all.length);
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
    server.start();
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
  }

  /** Sends one byte every so often from now on (a server that defeats an idle watchdog); 0: normal again. */
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
    return "https://127.0.0.1:" + server.getAddress().getPort() + "/package.zip";
  }

  Path caFile() {
    return caFile;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
