// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;
import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.ushort;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.api.config.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.api.config.OpcUaServerConfigLimits;
import org.eclipse.milo.opcua.stack.core.Stack;
import org.eclipse.milo.opcua.stack.core.channel.EncodingLimits;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.DefaultTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.transport.TransportProfile;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UShort;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.UserTokenType;
import org.eclipse.milo.opcua.stack.core.types.structured.BuildInfo;
import org.eclipse.milo.opcua.stack.core.types.structured.UserTokenPolicy;
import org.eclipse.milo.opcua.stack.server.EndpointConfiguration;
import org.eclipse.milo.opcua.stack.server.security.DefaultServerCertificateValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.login.LoginThrottle;

/**
 * The Milo server as configured: its endpoints and security, the application certificate, the trust
 * list, the users, the limits, and the Watchpost namespace. Started by {@link #start}, stopped by
 * {@link #close}.
 */
final class WatchpostServer implements AutoCloseable {
  static final String PRODUCT_URI = "urn:watchpost";
  private static final Logger LOG = LoggerFactory.getLogger(WatchpostServer.class);

  /**
   * Passwords are always encrypted, on the None endpoint too (Milo needs the token's policy named).
   */
  private static final UserTokenPolicy USERNAME_ENCRYPTED = username(SecurityPolicy.Basic256Sha256);

  private static final UserTokenPolicy ANONYMOUS =
      new UserTokenPolicy("anonymous", UserTokenType.Anonymous, null, null, null);

  private final OpcUaServer server;
  private final WatchpostNamespace namespace;
  private final DefaultTrustListManager trustList;
  private final ExecutorService executor;
  private final ScheduledExecutorService scheduler;
  private final List<String> endpointUrls;

  private WatchpostServer(
      OpcUaServer server,
      WatchpostNamespace namespace,
      DefaultTrustListManager trustList,
      ExecutorService executor,
      ScheduledExecutorService scheduler,
      List<String> endpointUrls) {
    this.server = server;
    this.namespace = namespace;
    this.trustList = trustList;
    this.executor = executor;
    this.scheduler = scheduler;
    this.endpointUrls = endpointUrls;
  }

  /**
   * @param pkiDir the configured {@code pki_dir}, placed as the host framework places paths
   */
  static WatchpostServer start(
      OpcUaConfig config, Path pkiDir, Users users, WatchpostNamespace.CameraMethods methods)
      throws IOException {
    String hostname = config.hostname().isBlank() ? localHostname() : config.hostname().strip();
    String applicationUri = "urn:watchpost:device:" + hostname;
    Path pki = pkiDir.toAbsolutePath();
    ApplicationCertificate certificate =
        ApplicationCertificate.loadOrCreate(
            pki, applicationUri, hostname, config.certificate_days());
    DefaultTrustListManager trustList = new DefaultTrustListManager(pki.toFile());

    Set<EndpointConfiguration> endpoints = new LinkedHashSet<>();
    List<String> urls = new ArrayList<>();
    List<UserTokenPolicy> tokens = new ArrayList<>();
    if (config.anonymous()) {
      tokens.add(ANONYMOUS);
    }
    EndpointConfiguration.Builder base =
        EndpointConfiguration.newBuilder()
            .setTransportProfile(TransportProfile.TCP_UASC_UABINARY)
            .setBindAddress(config.bind_address())
            .setBindPort(config.port())
            .setHostname(hostname)
            .setPath(path(config.path()))
            .setCertificate(certificate.certificate());
    for (String name : config.security_policies()) {
      SecurityPolicy policy = policy(name);
      EndpointConfiguration.Builder secure =
          base.copy().setSecurityPolicy(policy).setSecurityMode(MessageSecurityMode.SignAndEncrypt);
      tokens.forEach(secure::addTokenPolicy);
      endpoints.add(secure.addTokenPolicy(username(policy)).build());
    }
    if (config.security_none()) {
      LOG.warn(
          "OPC UA: the None security policy is on: traffic on {} is neither signed nor encrypted",
          path(config.path()));
      EndpointConfiguration.Builder open =
          base.copy()
              .setSecurityPolicy(SecurityPolicy.None)
              .setSecurityMode(MessageSecurityMode.None);
      tokens.forEach(open::addTokenPolicy);
      endpoints.add(open.addTokenPolicy(USERNAME_ENCRYPTED).build());
    }
    // Part 6: a discovery endpoint without security, for GetEndpoints before a client has the
    // server's certificate.
    EndpointConfiguration discovery =
        base.copy()
            .setPath(path(config.path()) + "/discovery")
            .setSecurityPolicy(SecurityPolicy.None)
            .setSecurityMode(MessageSecurityMode.None)
            .addTokenPolicy(USERNAME_ENCRYPTED)
            .build();
    endpoints.add(discovery);
    if (endpoints.size() == 1) {
      throw new IllegalArgumentException(
          "OPC UA: no security policy is configured and None is off; no endpoint to serve");
    }
    endpoints.forEach(
        e ->
            urls.add(
                e.getEndpointUrl()
                    + " ["
                    + e.getSecurityPolicy().name()
                    + "/"
                    + e.getSecurityMode()
                    + "]"));

    LoginThrottle throttle =
        new LoginThrottle(
            config.login_failures(),
            TimeUnit.SECONDS.toNanos(config.login_window_s()),
            config.login_max_sources(),
            System::nanoTime);
    ExecutorService executor = Executors.newFixedThreadPool(2, threads("opcua-server"));
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(threads("opcua-scheduler"));
    int maxMessage = config.max_message_bytes();
    OpcUaServerConfig serverConfig =
        OpcUaServerConfig.builder()
            .setApplicationUri(applicationUri)
            .setApplicationName(LocalizedText.english("Watchpost " + hostname))
            .setProductUri(PRODUCT_URI)
            .setBuildInfo(
                new BuildInfo(
                    PRODUCT_URI,
                    "Watchpost",
                    "Watchpost OPC UA server",
                    OpcUaServer.SDK_VERSION,
                    "",
                    DateTime.now()))
            .setEndpoints(endpoints)
            .setCertificateManager(
                new DefaultCertificateManager(certificate.keyPair(), certificate.certificate()))
            .setTrustListManager(trustList)
            .setCertificateValidator(new DefaultServerCertificateValidator(trustList))
            .setIdentityValidator(new Identity.Validator(users, config.anonymous(), throttle))
            .setEncodingLimits(
                new EncodingLimits(
                    EncodingLimits.DEFAULT_MAX_CHUNK_SIZE,
                    Math.max(1, maxMessage / EncodingLimits.DEFAULT_MAX_CHUNK_SIZE + 1),
                    maxMessage,
                    EncodingLimits.DEFAULT_MAX_RECURSION_DEPTH))
            .setLimits(limits(config))
            .setExecutor(executor)
            .setScheduledExecutorService(scheduler)
            .build();
    OpcUaServer server = new OpcUaServer(serverConfig);
    WatchpostNamespace namespace =
        new WatchpostNamespace(server, methods, config.max_read_requests_per_s(), scheduler);
    namespace.startup();
    WatchpostServer started =
        new WatchpostServer(server, namespace, trustList, executor, scheduler, urls);
    try {
      server.startup().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      started.close();
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IOException(
          "OPC UA: the server cannot listen on "
              + config.bind_address()
              + ":"
              + config.port()
              + ": "
              + cause,
          cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      started.close();
      throw new IOException("OPC UA: interrupted while starting", e);
    }
    // The discovery URL named on its own: clients that ask for endpoints over an unsecured channel
    // (node-opcua,
    // for one) must be given it, not the session URL.
    LOG.info(
        "OPC UA server {} up: {}; clients discover the endpoints at {}; users: {}; anonymous {}; trusted client"
            + " certificates in {}",
        applicationUri,
        urls,
        discovery.getEndpointUrl(),
        String.join(",", users.names()),
        config.anonymous() ? "allowed (read only)" : "refused",
        trustList.getTrustedCertsDir());
    return started;
  }

  private static UserTokenPolicy username(SecurityPolicy policy) {
    return new UserTokenPolicy(
        "username-" + policy.name(), UserTokenType.UserName, null, null, policy.getUri());
  }

  private static OpcUaServerConfigLimits limits(OpcUaConfig config) {
    UInteger sessions = uint(config.max_sessions());
    UInteger items = uint(config.max_monitored_items());
    return new OpcUaServerConfigLimits() {
      @Override
      public UInteger getMaxSessionCount() {
        return sessions;
      }

      @Override
      public UInteger getMaxMonitoredItemsPerSession() {
        return items;
      }

      @Override
      public UInteger getMaxMonitoredItems() {
        return uint(items.longValue() * sessions.longValue());
      }

      @Override
      public Double getMinPublishingInterval() {
        return 100.0;
      }

      @Override
      public Double getMinSupportedSampleRate() {
        return 100.0;
      }

      @Override
      public UInteger getMaxNodesPerRead() {
        return uint(1000);
      }

      @Override
      public UInteger getMaxNodesPerBrowse() {
        return uint(1000);
      }

      @Override
      public UInteger getMaxNodesPerMethodCall() {
        return uint(100);
      }

      @Override
      public UInteger getMaxNodesPerWrite() {
        return uint(100);
      }

      @Override
      public UShort getMaxBrowseContinuationPoints() {
        return ushort(16);
      }

      @Override
      public UInteger getMaxPasswordLength() {
        return uint(Users.MAX_PASSWORD_CHARS);
      }
    };
  }

  private static String path(String configured) {
    String p = configured.strip();
    return p.startsWith("/") ? p : "/" + p;
  }

  private static SecurityPolicy policy(String name) {
    for (SecurityPolicy p :
        List.of(
            SecurityPolicy.Basic256Sha256,
            SecurityPolicy.Aes128_Sha256_RsaOaep,
            SecurityPolicy.Aes256_Sha256_RsaPss)) {
      if (p.name().equalsIgnoreCase(name.strip())) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "OPC UA: security policy '"
            + name
            + "' is not offered; use Basic256Sha256, "
            + "Aes128_Sha256_RsaOaep or Aes256_Sha256_RsaPss (None has its own switch, security.none)");
  }

  private static String localHostname() {
    try {
      return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger n = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + n.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  WatchpostNamespace namespace() {
    return namespace;
  }

  OpcUaServer server() {
    return server;
  }

  List<String> endpointUrls() {
    return endpointUrls;
  }

  @Override
  public void close() {
    try {
      server.shutdown().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("OPC UA: the server did not stop cleanly: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    namespace.shutdown();
    try {
      trustList.close();
    } catch (IOException e) {
      LOG.debug("trust list watcher: {}", e.toString());
    }
    executor.shutdownNow();
    scheduler.shutdownNow();
    // Milo's shared event loop and timers are only this server's in the runtime; a restarted server
    // makes new ones.
    Stack.releaseSharedResources(5, TimeUnit.SECONDS);
    LOG.info("OPC UA server stopped");
  }
}
