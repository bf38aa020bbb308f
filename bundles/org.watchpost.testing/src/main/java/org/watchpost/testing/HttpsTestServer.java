// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * An HTTPS server on loopback for the tests that fetch over HTTPS (model packages, the fleet's
 * transfers). Its certificate names {@code localhost} and {@code 127.0.0.1}; it is made by the
 * JDK's keytool at test time (so nothing secret is committed) and kept in the directory given, so
 * that a second server there reuses it. A device trusts it through {@link #caFile()}. What it
 * serves is the handler's: a throttled range server, a trickle, a cut link.
 */
public final class HttpsTestServer implements AutoCloseable {
  private static final String STORE_PASSWORD = "changeit";

  private final HttpsServer server;
  private final Path caFile;

  private HttpsTestServer(HttpsServer server, Path caFile) {
    this.server = server;
    this.caFile = caFile;
  }

  /**
   * Starts serving {@code handler} at {@code /} on a free loopback port.
   *
   * @param dir where the key store and the CA file are made (or found)
   * @param threadName the name of the threads that run the handler, for thread dumps
   */
  public static HttpsTestServer start(Path dir, String threadName, HttpHandler handler)
      throws IOException {
    Files.createDirectories(dir);
    Path keystore = dir.resolve("server.p12");
    Path caFile = dir.resolve("server.pem");
    if (!Files.exists(keystore) || !Files.exists(caFile)) {
      Files.deleteIfExists(keystore);
      keytool(
          "-genkeypair",
          "-alias",
          "server",
          "-keyalg",
          "EC",
          "-groupname",
          "secp256r1",
          "-dname",
          "CN=localhost",
          "-ext",
          "san=ip:127.0.0.1,dns:localhost",
          "-validity",
          "2",
          "-keystore",
          keystore.toString(),
          "-storetype",
          "PKCS12",
          "-storepass",
          STORE_PASSWORD,
          "-keypass",
          STORE_PASSWORD);
      keytool(
          "-exportcert",
          "-rfc",
          "-alias",
          "server",
          "-keystore",
          keystore.toString(),
          "-storepass",
          STORE_PASSWORD,
          "-file",
          caFile.toString());
    }
    HttpsServer server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.setHttpsConfigurator(new HttpsConfigurator(context(keystore)));
    server.setExecutor(
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            }));
    server.createContext("/", handler);
    server.start();
    return new HttpsTestServer(server, caFile);
  }

  private static SSLContext context(Path keystore) throws IOException {
    try (InputStream in = Files.newInputStream(keystore)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, STORE_PASSWORD.toCharArray());
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, STORE_PASSWORD.toCharArray());
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("test server key store " + keystore + ": " + e.getMessage(), e);
    }
  }

  private static void keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("keytool failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while keytool ran", e);
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * The URL of {@code path} on this server, by address ({@code host} 127.0.0.1) or by name
   * (localhost).
   */
  public String url(String host, String path) {
    return "https://" + host + ":" + port() + path;
  }

  /** The PEM certificate a client trusts this server by. */
  public Path caFile() {
    return caFile;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
