// SPDX-License-Identifier: Apache-2.0
package org.watchpost.kura.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.eclipse.kura.cloudconnection.request.RequestHandlerRegistry;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.health.MetricsProvider;
import org.watchpost.api.host.HostFramework;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.RemoteChannel;
import org.watchpost.api.remote.RequestHandler;
import org.watchpost.uplink.cloud.GovernedUplink;

/**
 * Watchpost's uplink inside Eclipse Kura: events, counts and health go through the uplink's outbox,
 * priorities, bandwidth governor and folding ({@link GovernedUplink}) and then out through the
 * {@link CloudPublisher} chosen in Kura's UI ({@link KuraTransport}), over Kura's own cloud
 * connection (its MQTT session, store, BIRTH and LWT); the device's request handlers (MODEL-V1) are
 * registered in Kura's {@link RequestHandlerRegistry}. Nothing here opens a connection of its own.
 * The uplink's threads hand over to Kura's store, so a camera's pipeline never waits for it.
 */
@Component(
    service = {EventSink.class, HealthSink.class, RemoteChannel.class, MetricsProvider.class},
    immediate = true,
    configurationPid = KuraCloudConfig.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = KuraCloudConfig.class)
public final class KuraCloudComponent
    implements EventSink, HealthSink, RemoteChannel, MetricsProvider {
  private static final Logger LOG = LoggerFactory.getLogger(KuraCloudComponent.class);

  /** The placeholders of the publisher's app.topic this adapter fills. */
  public static final String KIND = "kind";

  public static final String CAMERA = "camera";
  static final String OUTBOX_PATH = "outbox.path";
  static final String DEFAULT_OUTBOX = "uplink/outbox.db";

  private final CloudPublisher publisher;
  private final RequestHandlerRegistry registry;
  private final KuraTransport transport;
  private final String dataDirectory;
  private final Map<RequestHandler, KuraRequestHandler> handlers = new ConcurrentHashMap<>();
  private final AtomicReference<CloudNotificationPublisher> notifications = new AtomicReference<>();
  private final AtomicLong notifyFailed = new AtomicLong();
  private volatile GovernedUplink uplink;
  private volatile KuraRequestHandler healthRequests;

  @Activate
  public KuraCloudComponent(
      Map<String, Object> properties,
      BundleContext context,
      @Reference(name = "CloudPublisher") CloudPublisher publisher,
      @Reference(name = "RequestHandlerRegistry") RequestHandlerRegistry registry) {
    this(properties, context.getProperty(HostFramework.KURA_DATA), publisher, registry);
  }

  /**
   * @param dataDirectory Kura's data directory, or null outside Kura
   */
  KuraCloudComponent(
      Map<String, Object> properties,
      String dataDirectory,
      CloudPublisher publisher,
      RequestHandlerRegistry registry) {
    this.publisher = publisher;
    this.registry = registry;
    this.dataDirectory = dataDirectory;
    this.transport = new KuraTransport(publisher, notifications::get);
    this.uplink = GovernedUplink.start(uplinkProperties(properties, dataDirectory), transport);
    registerHealthRequests();
    publisher.registerCloudConnectionListener(transport);
    LOG.info(
        "publishing through Kura's cloud publisher {}", properties.get("CloudPublisher.target"));
  }

  /**
   * The uplink's configuration: the component's, with a relative outbox path under {@code
   * <kura.data>/watchpost/}.
   */
  static Map<String, Object> uplinkProperties(
      Map<String, Object> properties, String dataDirectory) {
    Map<String, Object> p = new java.util.HashMap<>(properties);
    Object outbox = p.getOrDefault(OUTBOX_PATH, DEFAULT_OUTBOX);
    p.put(OUTBOX_PATH, HostFramework.resolve(dataDirectory, String.valueOf(outbox)).toString());
    // The uplink's own default is another: one standard KuraPayload per message unless batching is
    // asked for.
    p.putIfAbsent("batch.max", 1);
    p.putIfAbsent("payload.profile", "verbose");
    return p;
  }

  /**
   * HEALTH-V1 (full health on request) is the uplink's own handler, registered with Kura beside
   * MODEL-V1 once for the component's life: it answers from whichever uplink is current, so a
   * configuration change (which closes the uplink, draining its outbox, before the next starts)
   * leaves no gap in Kura's registry.
   */
  private void registerHealthRequests() {
    String appId = uplink.healthRequests().appId();
    RequestHandler current =
        new RequestHandler() {
          @Override
          public String appId() {
            return appId;
          }

          @Override
          public org.watchpost.api.remote.Response handle(
              org.watchpost.api.remote.Request request) {
            return uplink.healthRequests().handle(request);
          }
        };
    KuraRequestHandler adapter = new KuraRequestHandler(current, registry, notifications::set);
    healthRequests = adapter.register() ? adapter : null;
  }

  private void unregisterHealthRequests() {
    KuraRequestHandler adapter = healthRequests;
    healthRequests = null;
    if (adapter != null) {
      adapter.unregister();
    }
  }

  /**
   * A configuration change restarts the uplink: what was queued is committed first, the new one
   * resumes.
   */
  @Modified
  void modified(Map<String, Object> properties) {
    GovernedUplink previous = uplink;
    previous.close();
    uplink = GovernedUplink.start(uplinkProperties(properties, dataDirectory), transport);
  }

  @Deactivate
  void deactivate() {
    publisher.unregisterCloudConnectionListener(transport);
    unregisterHealthRequests();
    uplink.close();
    handlers.values().forEach(KuraRequestHandler::unregister);
    handlers.clear();
  }

  /**
   * Each handler of remote requests is registered with Kura under its app id while both are there.
   */
  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void bindRequestHandler(RequestHandler handler) {
    KuraRequestHandler adapter = new KuraRequestHandler(handler, registry, notifications::set);
    if (adapter.register()) {
      handlers.put(handler, adapter);
    }
  }

  void unbindRequestHandler(RequestHandler handler) {
    KuraRequestHandler adapter = handlers.remove(handler);
    if (adapter != null) {
      adapter.unregister();
    }
  }

  // ---------------------------------------------------------------- sinks (caller threads)

  @Override
  public void publish(Event event) {
    uplink.publish(event);
  }

  @Override
  public void publish(CountSummary counts) {
    uplink.publish(counts);
  }

  @Override
  public void alarm(HealthAlarm alarm) {
    uplink.alarm(alarm);
  }

  @Override
  public void report(HealthReport report) {
    uplink.report(report);
  }

  /**
   * Totals of the governed uplink (events published, bytes and bit/s as counted, folded, dropped).
   */
  Map<String, Object> summary() {
    return uplink.summary();
  }

  void settle(long timeoutMillis) {
    uplink.settle(timeoutMillis);
  }

  // ---------------------------------------------------------------- remote channel

  /**
   * A notification is queued in the governed uplink like any message (its priority, the budget, the
   * downlink budget for the reply it asks for, the outbox) and, when its turn comes, goes through
   * the notification publisher of Kura's request context (the last request's: Kura has one per
   * cloud connection), to {@code $EDC/{account}/{requester}/{appId}/NOTIFY/{clientId}/{resource}}.
   * Before any request there is no such publisher and nothing to notify about: refused at once.
   */
  @Override
  public boolean notify(Notification n) {
    if (notifications.get() == null) {
      notifyFailed.incrementAndGet();
      return false;
    }
    boolean queued = uplink.notify(n);
    if (!queued) {
      notifyFailed.incrementAndGet();
    }
    return queued;
  }

  /** Kura owns the client id; requests reach the handlers without it, so none is needed here. */
  @Override
  public String clientId() {
    return "";
  }

  @Override
  public boolean connected() {
    return transport.up();
  }

  @Override
  public Map<String, Object> metrics() {
    Map<String, Object> m = new LinkedHashMap<>(uplink.metrics());
    m.put("kura_notify_failed", notifyFailed.get());
    m.put("kura_request_handlers", handlers.size());
    return m;
  }
}
