// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.cloud;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.RequestHandler;
import org.watchpost.uplink.internal.UplinkConfigs;
import org.watchpost.uplink.internal.UplinkEngine;

/**
 * The standalone uplink's outbox, priorities, bandwidth governor, batching and folding in front of
 * a {@link CloudTransport}. Configured with the standalone uplink's property names ({@code
 * budget.bits.per.s}, {@code burst.s}, {@code fold.after.s}, {@code fold.interval.s}, {@code
 * batch.max}, {@code outbox.path}, {@code outbox.max.bytes}, {@code payload.profile}, ...); what
 * only the device's own MQTT session uses (broker, TLS, keep-alive, BIRTH) is ignored. Costs are
 * counted as MQTT 3.1.1 at QoS 1 with its PUBACK and the per-packet overhead, on the uplink's own
 * topic ({@code account/client/kind/subject}).
 */
@ProviderType
public final class GovernedUplink implements AutoCloseable {
  private final UplinkEngine engine;

  private GovernedUplink(UplinkEngine engine) {
    this.engine = engine;
  }

  /**
   * Opens the outbox and starts sending over the transport.
   *
   * @param properties component properties by the standalone uplink's names; absent ones take its
   *     defaults
   * @throws IllegalArgumentException for a configuration the uplink refuses
   */
  public static GovernedUplink start(Map<String, ?> properties, CloudTransport transport) {
    return new GovernedUplink(new UplinkEngine(UplinkConfigs.from(properties), transport));
  }

  public void publish(Event event) {
    engine.publish(event);
  }

  public void publish(CountSummary counts) {
    engine.publish(counts);
  }

  public void alarm(HealthAlarm alarm) {
    engine.alarm(alarm);
  }

  /**
   * A health report; the device's carries the uplink's own state (outbox, drops, folds) as well.
   */
  public void report(HealthReport report) {
    engine.report(report);
  }

  /**
   * Queues a request handler's notification as the standalone uplink does: in its priority, within
   * the budget (and the downlink budget for the {@code replyBytes} it asks for), durable in the
   * outbox; handed to {@link CloudTransport#notify} when its turn comes.
   *
   * @return false when it was refused (its requester or resource is no topic level, or the outbox
   *     refused it)
   */
  public boolean notify(Notification notification) {
    return engine.notify(notification);
  }

  /**
   * The device's {@code HEALTH-V1} handler ({@code GET full[/subject]}: the whole current health of
   * a subject, and the next report of each in full), for the framework's request routing to
   * register.
   */
  public RequestHandler healthRequests() {
    return engine.healthRequests();
  }

  /** Connected, outbox depth and the uplink's counters. */
  public Map<String, Object> metrics() {
    return engine.metrics();
  }

  /** Totals: events published, bytes and bit/s on the link as counted, folded, dropped. */
  public Map<String, Object> summary() {
    return engine.summary();
  }

  /**
   * Waits until everything handed over has been stored and taken by the transport, at most the
   * timeout.
   */
  public void settle(long timeoutMillis) {
    engine.settle(timeoutMillis);
  }

  /** Commits what was queued, lets the outbox drain for up to drain.on.stop.s, stops. */
  @Override
  public void close() {
    engine.close();
  }
}
