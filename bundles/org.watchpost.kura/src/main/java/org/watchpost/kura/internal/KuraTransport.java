// SPDX-License-Identifier: Apache-2.0
package org.watchpost.kura.internal;

import java.util.Date;
import java.util.Map;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.eclipse.kura.message.KuraPayload;
import org.watchpost.uplink.cloud.CloudTransport;

/**
 * Kura's {@link CloudPublisher} as the governed uplink's transport: each message the uplink chose
 * becomes one standard KuraPayload (its metrics, timestamp and body as they are) with the
 * properties {@code kind} and {@code camera} for the publisher's {@code app.topic}. It lives here,
 * not in the uplink, so that the uplink never imports Kura's API: the uplink runs in front of
 * anything that implements {@link CloudTransport}.
 *
 * <p>Up while Kura's cloud connection is: messages then wait in the uplink's outbox, where the
 * lowest priority goes first when it is full, instead of in Kura's store, which refuses new
 * messages by count.
 */
final class KuraTransport implements CloudTransport, CloudConnectionListener {
  private final CloudPublisher publisher;

  /**
   * The notification publisher of Kura's request context (the last request's), null before any
   * request.
   */
  private final java.util.function.Supplier<CloudNotificationPublisher> notifications;

  /** Kura says nothing until the connection changes; its store takes messages meanwhile. */
  private volatile boolean connected = true;

  KuraTransport(
      CloudPublisher publisher,
      java.util.function.Supplier<CloudNotificationPublisher> notifications) {
    this.publisher = publisher;
    this.notifications = notifications;
  }

  @Override
  public boolean up() {
    return connected;
  }

  @Override
  public void publish(String kind, String subject, org.watchpost.uplink.codec.KuraPayload payload)
      throws Exception {
    publisher.publish(
        new KuraMessage(
            kuraPayload(payload),
            Map.of(KuraCloudComponent.KIND, kind, KuraCloudComponent.CAMERA, subject)));
  }

  /**
   * A request handler's notification, when the governor lets it go: through Kura's notification
   * publisher, to {@code $EDC/{account}/{requester}/{appId}/NOTIFY/{clientId}/{resource}}.
   */
  @Override
  public void notify(
      String appId,
      String requester,
      String resource,
      org.watchpost.uplink.codec.KuraPayload payload)
      throws Exception {
    CloudNotificationPublisher p = notifications.get();
    if (p == null) {
      throw new Refused("no request from Kura yet, so no notification publisher");
    }
    p.publish(
        new KuraMessage(
            kuraPayload(payload),
            Map.of("appId", appId, "messageType", resource, "requestorClientId", requester)));
  }

  /**
   * The uplink's payload as Kura's: the same seven value types, so every metric goes over as it is.
   */
  static KuraPayload kuraPayload(org.watchpost.uplink.codec.KuraPayload payload) {
    KuraPayload p = new KuraPayload();
    if (payload.timestamp() != null) {
      p.setTimestamp(new Date(payload.timestamp()));
    }
    payload.metrics().forEach(p::addMetric);
    if (payload.body() != null) {
      p.setBody(payload.body());
    }
    return p;
  }

  @Override
  public void onDisconnected() {
    connected = false;
  }

  @Override
  public void onConnectionLost() {
    connected = false;
  }

  @Override
  public void onConnectionEstablished() {
    connected = true;
  }
}
