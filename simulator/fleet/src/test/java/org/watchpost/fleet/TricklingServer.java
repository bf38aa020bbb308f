package org.watchpost.fleet;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An HTTPS server on loopback (certificate for localhost made by the JDK's keytool at test time) that answers at
 * once and then sends its body one byte every so often: never idle for long, far too slow to ever finish.
 */
final class TricklingServer implements AutoCloseable {
  private final HttpsServer server;
  private final Path caFile;
  final AtomicLong bytesSent = new AtomicLong();
  final AtomicLong requests = new AtomicLong();

  TricklingServer(Path dir, long size, long everyMillis) throws Exception {
    Files.createDirectories(dir);
    Path keystore = dir.resolve("server.p12");
    caFile = dir.resolve("server.pem");
    keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "san=dns:localhost", "-validity", "2", "-keystore", keystore.toString(), "-storetype", "PKCS12",
        "-storepass", "changeit", "-keypass", "changeit");
    keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(), "-storepass", "changeit",
        "-file", caFile.toString());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    server.setHttpsConfigurator(new HttpsConfigurator(context));
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "trickling-server");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", exchange -> {
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

  String url() {
    return "https://localhost:" + server.getAddress().getPort() + "/package.zip";
  }

  Path caFile() {
    return caFile;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
