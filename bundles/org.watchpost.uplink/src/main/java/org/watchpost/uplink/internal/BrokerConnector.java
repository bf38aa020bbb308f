// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.frame.SourceUris;

/**
 * Makes one connection attempt at a time, under a watchdog: Paho can hang when a connection stalls
 * before CONNACK, so the attempt runs on its own thread and is abandoned (and its client closed)
 * after the timeout plus a grace period. With protocol {@code auto} it tries MQTT 5 and falls back
 * to 3.1.1 when the broker does not speak 5, and remembers that.
 */
final class BrokerConnector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerConnector.class);
  private static final long WATCHDOG_GRACE_MILLIS = 5_000;

  private final String protocol;
  private final int maxInflight;
  private final ExecutorService attempts =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "uplink-connect");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean brokerLacksMqtt5;

  BrokerConnector(String protocol, int maxInflight) {
    if (!protocol.equals("auto") && !protocol.equals("5") && !protocol.equals("3.1.1")) {
      throw new IllegalArgumentException("protocol must be auto, 5 or 3.1.1, was " + protocol);
    }
    this.protocol = protocol;
    this.maxInflight = maxInflight;
  }

  /**
   * One attempt (two with auto fallback).
   *
   * @throws MqttLink.LinkException with a message that says what to check
   */
  MqttLink connect(ConnectSpec spec, Consumer<Throwable> connectionLost)
      throws MqttLink.LinkException {
    return connect(spec, connectionLost, MqttLink.Inbound.NONE);
  }

  MqttLink connect(ConnectSpec spec, Consumer<Throwable> connectionLost, MqttLink.Inbound inbound)
      throws MqttLink.LinkException {
    boolean try5 = protocol.equals("5") || (protocol.equals("auto") && !brokerLacksMqtt5);
    if (try5) {
      try {
        return watched(spec, () -> Paho5Link.connect(spec, connectionLost, inbound));
      } catch (MqttLink.LinkException e) {
        if (!protocol.equals("auto") || !mayBeProtocolMismatch(e.getCause())) {
          throw e;
        }
        LOG.info(
            "{} did not accept MQTT 5 ({}); trying MQTT 3.1.1",
            spec.shownUri(),
            SourceUris.redactText(e.getMessage(), spec.serverUri()));
        MqttLink link =
            watched(spec, () -> Paho3Link.connect(spec, maxInflight, connectionLost, inbound));
        brokerLacksMqtt5 = true;
        return link;
      }
    }
    return watched(spec, () -> Paho3Link.connect(spec, maxInflight, connectionLost, inbound));
  }

  private interface Attempt {
    MqttLink run() throws Exception;
  }

  private MqttLink watched(ConnectSpec spec, Attempt attempt) throws MqttLink.LinkException {
    Future<MqttLink> future = attempts.submit(attempt::run);
    long limit = spec.connectTimeoutSeconds() * 1000L + WATCHDOG_GRACE_MILLIS;
    try {
      return future.get(limit, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      // If the attempt completes after all, its link must not stay open behind our back.
      attempts.submit(
          () -> {
            try {
              future.get().closeForcibly();
            } catch (Exception ignored) {
              // it failed on its own
            }
            return null;
          });
      throw new MqttLink.LinkException(
          "no CONNACK from "
              + spec.shownUri()
              + " within "
              + limit
              + " ms; the connect watchdog abandoned the attempt",
          e);
    } catch (ExecutionException e) {
      throw new MqttLink.LinkException(describe(spec, e.getCause()), e.getCause());
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new MqttLink.LinkException("connect to " + spec.shownUri() + " interrupted", e);
    }
  }

  /** Reasons that say nothing about the protocol version: falling back would not help. */
  private static boolean mayBeProtocolMismatch(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof UnknownHostException
          || t instanceof NoRouteToHostException
          || t instanceof SSLException
          || t instanceof SocketTimeoutException
          || t instanceof InterruptedException
          || t instanceof TimeoutException) {
        return false;
      }
    }
    int code = reasonCode(error);
    // 0x86 bad user name or password, 0x87 not authorized, 0x8A banned, 0x8C bad authentication
    // method;
    // 32000: no CONNACK in time, which says the link stalls, not which version the broker speaks.
    return code != 0x86
        && code != 0x87
        && code != 0x8A
        && code != 0x8C
        && code != 4
        && code != 5
        && code != 32000;
  }

  private static int reasonCode(Throwable error) {
    if (error instanceof org.eclipse.paho.mqttv5.common.MqttException e) {
      return e.getReasonCode();
    }
    if (error instanceof org.eclipse.paho.client.mqttv3.MqttException e) {
      return e.getReasonCode();
    }
    return -1;
  }

  /**
   * A sentence for the operator: what failed and what to check, with the broker URI's credentials
   * masked.
   */
  static String describe(ConnectSpec spec, Throwable error) {
    // The causes' own messages may quote the URI too.
    return SourceUris.redactText(sentence(spec, error), spec.serverUri());
  }

  private static String sentence(ConnectSpec spec, Throwable error) {
    String uri = spec.shownUri();
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof UnknownHostException) {
        return "broker host of "
            + uri
            + " is unknown ("
            + t.getMessage()
            + "): check broker_url and DNS";
      }
      if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return "broker "
            + uri
            + " is unreachable ("
            + t.getMessage()
            + "): is it running, is the port right?";
      }
      if (t instanceof SSLException) {
        return "TLS handshake with "
            + uri
            + " failed ("
            + t.getMessage()
            + "): check tls_ca_file, the client key store and that the certificate names the host";
      }
    }
    int code = reasonCode(error);
    String detail = error.getMessage();
    return switch (code) {
      case 4, 0x86 ->
          "broker " + uri + " refused user " + spec.username() + ": bad user name or password";
      case 5, 0x87 ->
          "broker "
              + uri
              + " refused client "
              + spec.clientId()
              + (spec.username() != null ? " (user " + spec.username() + ")" : " (no user name)")
              + ": not authorized; check username and password";
      case 2, 0x85 -> "broker " + uri + " refused client id " + spec.clientId();
      case 32000 -> "no CONNACK from " + uri + " within " + spec.connectTimeoutSeconds() + " s";
      case 32109 -> "broker " + uri + " closed the connection (" + detail + ")";
      default ->
          "connect to "
              + uri
              + " failed"
              + (code >= 0 ? " (reason " + code + ")" : "")
              + ": "
              + detail;
    };
  }

  @Override
  public void close() {
    attempts.shutdownNow();
  }
}
