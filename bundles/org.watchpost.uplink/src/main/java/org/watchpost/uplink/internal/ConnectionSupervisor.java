// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.frame.SourceUris;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * The device's own MQTT connection: connects (backoff, within the budget), sends BIRTH, subscribes
 * for requests, then lends the connection to the {@link Sender} as an {@link MqttTransport} until
 * it is lost, and starts over.
 *
 * <p>Threads: everything but {@link #lost} and the getters runs on the thread {@code uplink-link},
 * which is also the Sender's send thread (it binds it). {@link #link}, {@link #linkLost} and {@link
 * #lastError} are volatile: the MQTT client's thread reports a lost connection through {@link
 * #lost}, and metrics read them anywhere.
 */
final class ConnectionSupervisor implements Session {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionSupervisor.class);

  private final UplinkConfig config;
  private final ConnectSpec spec;
  private final BrokerConnector connector;
  private final BandwidthGovernor governor;
  private final Sender sender;
  private final Birth birth;
  private final RequestIntake requests;
  private final BooleanSupplier running;
  private final RetryPolicy<MqttLink> retry;
  private final Thread thread;

  private volatile MqttLink link;
  private volatile boolean linkLost;
  private volatile String lastError = "";
  private final AtomicLong connects = new AtomicLong();

  ConnectionSupervisor(
      UplinkConfig config,
      ConnectSpec spec,
      BrokerConnector connector,
      BandwidthGovernor governor,
      Sender sender,
      Birth birth,
      RequestIntake requests,
      BooleanSupplier running) {
    this.config = config;
    this.spec = spec;
    this.connector = connector;
    this.governor = governor;
    this.sender = sender;
    this.birth = birth;
    this.requests = requests;
    this.running = running;
    var builder = RetryPolicy.<MqttLink>builder().handle(MqttLink.LinkException.class);
    if (config.reconnect_max_ms() > config.reconnect_initial_ms()) {
      builder.withBackoff(
          Duration.ofMillis(config.reconnect_initial_ms()),
          Duration.ofMillis(config.reconnect_max_ms()));
    } else {
      builder.withDelay(Duration.ofMillis(config.reconnect_initial_ms()));
    }
    this.retry =
        builder
            .withJitter(config.reconnect_jitter())
            .withMaxRetries(-1)
            .abortIf(l -> !running.getAsBoolean())
            .onRetry(
                e ->
                    LOG.info(
                        "reconnecting to {} (attempt {})",
                        spec.shownUri(),
                        e.getAttemptCount() + 1))
            .build();
    this.thread = new Thread(this::linkLoop, "uplink-link");
  }

  @Override
  public void start() {
    thread.start();
  }

  private void linkLoop() {
    sender.bind();
    while (running.getAsBoolean()) {
      try {
        MqttLink connected = Failsafe.with(retry).get(this::connectOnce);
        if (connected == null || !running.getAsBoolean()) {
          if (connected != null) {
            connected.closeForcibly();
          }
          break;
        }
        session(connected);
      } catch (FailsafeException e) {
        if (e.getCause() instanceof InterruptedException) {
          break;
        }
        LOG.warn("connect loop: {}", e.getMessage());
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException e) {
        LOG.error("uplink link thread failed; reconnecting: {}", e.getMessage(), e);
        sleepQuietly(config.reconnect_initial_ms());
      }
    }
  }

  private MqttLink connectOnce() throws MqttLink.LinkException, InterruptedException {
    if (!running.getAsBoolean()) {
      return null;
    }
    boolean mqtt5Guess = !config.protocol().equals("3.1.1");
    long connectCost =
        spec.connectPacketBytes(mqtt5Guess)
            + MqttFraming.connAckBound(mqtt5Guess)
            + 2L * config.per_packet_overhead_bytes()
            + (spec.socketFactory() != null ? config.tls_handshake_bytes() : 0);
    governor.await(Math.min(connectCost, governor.largestSend()), running);
    governor.chargeUnavoidable(connectCost);
    linkLost = false;
    try {
      MqttLink connected = connector.connect(spec, this::onConnectionLost, requests::onInbound);
      connects.incrementAndGet();
      if (!lastError.isEmpty()) {
        LOG.info(
            "connected to {} over MQTT {} after: {}",
            spec.shownUri(),
            connected.protocol(),
            lastError);
      } else {
        LOG.info("connected to {} over MQTT {}", spec.shownUri(), connected.protocol());
      }
      lastError = "";
      return connected;
    } catch (MqttLink.LinkException e) {
      if (!e.getMessage().equals(lastError)) {
        LOG.warn("{}; retrying with backoff", e.getMessage());
      }
      lastError = e.getMessage();
      throw e;
    }
  }

  /** One connection, from BIRTH until it is lost or the uplink stops. */
  private void session(MqttLink connected) throws InterruptedException {
    link = connected;
    sender.beginSession();
    try {
      birth.send(
          connected,
          requests.appIds(),
          () -> sender.countKind(KuraTopic.Kind.BIRTH.key()),
          this::lost);
      requests.subscribe(connected, true);
      sender.run(
          new MqttTransport(
              connected,
              governor,
              config.per_packet_overhead_bytes(),
              config.broker_max_packet_bytes(),
              config.keep_alive_s(),
              requests,
              () -> !linkLost));
    } catch (Transport.Lost e) {
      lastError = e.getMessage();
      LOG.warn("{}; reconnecting", e.getMessage());
    } finally {
      link = null;
      if (running.getAsBoolean()) {
        connected.closeForcibly();
        sender.endSession();
      } else {
        // Kept for the disconnect certificate of a clean stop.
        link = connected;
      }
    }
  }

  private void onConnectionLost(Throwable cause) {
    String message =
        SourceUris.redactText(
            "connection to "
                + spec.shownUri()
                + " lost: "
                + (cause != null ? cause.getMessage() : "no reason given"),
            spec.serverUri());
    lost(message);
    LOG.warn(message);
    sender.wake();
  }

  /** The connection failed (any thread): the send loop ends and the supervisor reconnects. */
  void lost(String why) {
    linkLost = true;
    lastError = why;
  }

  /** The live connection, or null. */
  MqttLink link() {
    return link;
  }

  @Override
  public boolean connected() {
    return link != null;
  }

  @Override
  public String protocol() {
    MqttLink l = link;
    return l == null ? null : l.protocol();
  }

  @Override
  public String lastError() {
    return lastError;
  }

  @Override
  public long connects() {
    return connects.get();
  }

  /**
   * Ends the link thread (after {@code running} turned false), then, if a connection is still up,
   * publishes the disconnect certificate and disconnects it so that no last will is published.
   */
  @Override
  public void stop() {
    thread.interrupt();
    UplinkEngine.join(thread);
    MqttLink last = link;
    if (last != null) {
      birth.disconnect(last);
      link = null;
    }
    connector.close();
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
