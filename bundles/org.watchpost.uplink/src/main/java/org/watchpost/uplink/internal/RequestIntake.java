// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.event.Priority;
import org.watchpost.api.remote.Notification;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * Requests to the device and what its handlers send back: subscriptions for the handlers'
 * application ids, inbound requests charged to the downlink ledger and handed to the {@link
 * RequestRouter}, replies and notifications queued for the outbox.
 *
 * <p>Threads: {@link #subscribe} and {@link #subscribeNew} run on the send thread, the only writer
 * of {@link #subscribedAppIds} (volatile so that others may read it); {@link #onInbound} runs on
 * the MQTT client's thread and only hands over, to the router's bounded queue; {@link #notify} on
 * the handlers' threads.
 */
final class RequestIntake {
  private static final Logger LOG = LoggerFactory.getLogger(RequestIntake.class);

  private final RequestRouter router;
  private final boolean ownsRouter;
  private final String account;
  private final String clientId;
  private final BandwidthGovernor governor;
  private final long perPacketBytes;
  private final long subscribeTimeoutMillis;
  private final OutboxWriter writer;
  private final Supplier<MqttLink> currentLink;

  /** Tells the connection's owner that the connection failed, with why. */
  private final Consumer<String> lost;

  private final BooleanSupplier running;
  private volatile Set<String> subscribedAppIds = Set.of();

  /**
   * @param router the request handlers to subscribe for, with the limits of this configuration set
   * @param ownsRouter whether the router is this uplink's own (closed with it) or the component's
   */
  RequestIntake(
      RequestRouter router,
      boolean ownsRouter,
      UplinkConfig config,
      String clientId,
      BandwidthGovernor governor,
      OutboxWriter writer,
      Supplier<MqttLink> currentLink,
      Consumer<String> lost,
      BooleanSupplier running) {
    this.ownsRouter = ownsRouter;
    this.router = router;
    this.account = config.account();
    this.clientId = clientId;
    this.governor = governor;
    this.perPacketBytes = 2L * config.per_packet_overhead_bytes();
    this.subscribeTimeoutMillis = config.connect_timeout_s() * 1000L;
    this.writer = writer;
    this.currentLink = currentLink;
    this.lost = lost;
    this.running = running;
  }

  // ---------------------------------------------------------------- send thread

  /** Subscribes for handlers registered since the last subscription on this link. */
  void subscribeNew(MqttLink connected) throws InterruptedException {
    if (!subscribedAppIds.equals(router.appIds())) {
      subscribe(connected, false);
    }
  }

  /**
   * Subscribes for request handlers registered since the last time (all when fresh); then tells
   * them the link is up.
   */
  void subscribe(MqttLink connected, boolean fresh) throws InterruptedException {
    Set<String> wanted = router.appIds();
    Set<String> missing = new TreeSet<>(wanted);
    if (!fresh) {
      missing.removeAll(subscribedAppIds);
    }
    if (missing.isEmpty()) {
      if (fresh) {
        subscribedAppIds = wanted;
      }
      return;
    }
    String[] filters = RequestRouter.filters(account, clientId, missing);
    long cost = connected.subscribeBytes(filters) + perPacketBytes;
    governor.await(Math.min(cost, governor.largestSend()), running);
    governor.charge(cost);
    try {
      connected.subscribe(filters, subscribeTimeoutMillis);
      subscribedAppIds = wanted;
      LOG.info("subscribed for remote requests to {}", String.join(", ", filters));
      router.linkUp();
    } catch (MqttLink.LinkException e) {
      lost.accept(e.getMessage());
      LOG.warn("{}; reconnecting", e.getMessage());
    }
  }

  // ---------------------------------------------------------------- MQTT client thread

  /**
   * A message the broker delivered (a request): counted on the inbound ledger, handed to the
   * router.
   */
  void onInbound(String topic, byte[] payload, boolean retained) {
    MqttLink current = currentLink.get();
    long bytes =
        (current != null
                ? current.publishPacketBytes(topic, payload.length) + current.pubAckBytes()
                : MqttFraming.publish(MqttFraming.utf8Length(topic), payload.length, 0, false) + 4)
            + perPacketBytes;
    // On the inbound ledger: what others send must not use up the budget that alarms go out on.
    governor.chargeInbound(bytes);
    router.arrived(
        account,
        clientId,
        topic,
        payload,
        retained,
        (replyTopic, metrics, body) ->
            writer.submit(
                new Message(replyTopic, Priority.EVENT, System.currentTimeMillis(), metrics, body),
                0));
  }

  // ---------------------------------------------------------------- handlers' threads

  /** Queues a notification of a request handler. */
  boolean notify(Notification n) {
    KuraTopic topic;
    try {
      topic =
          KuraTopic.application(
              account, clientId, n.appId(), "NOTIFY", n.requesterClientId(), n.resource());
    } catch (IllegalArgumentException e) {
      // A requester a handler kept from before the topic rules (a persisted job): refused here, not
      // in the client.
      writer.countRefused();
      LOG.warn("notification not sent: {}", e.getMessage());
      return false;
    }
    return writer.submit(
        new Message(topic, n.priority(), System.currentTimeMillis(), n.metrics(), null),
        n.replyBytes());
  }

  /** The application ids the device answers, for BIRTH. */
  Set<String> appIds() {
    return router.appIds();
  }

  Map<String, Long> counters() {
    return router.counters();
  }

  RequestRouter router() {
    return router;
  }

  void close() {
    if (ownsRouter) {
      router.close();
    }
  }
}
