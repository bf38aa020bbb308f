package org.watchpost.kura.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.eclipse.kura.cloudconnection.request.RequestHandlerRegistry;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.eclipse.kura.message.KuraPayload;
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
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.RemoteChannel;
import org.watchpost.api.remote.RequestHandler;

/**
 * Watchpost's uplink inside Eclipse Kura: events, counts and health go out through the {@link CloudPublisher}
 * chosen in Kura's UI, over Kura's own cloud connection (its MQTT session, store, BIRTH and LWT); the device's
 * request handlers (MODEL-V1) are registered in Kura's {@link RequestHandlerRegistry}. Nothing here opens a
 * connection of its own.
 *
 * <p>Publishing happens on one thread of its own behind a bounded queue, so that Kura's store (a database insert
 * per message) never holds up a camera's pipeline; when the queue is full, the message is dropped and counted.
 */
@Component(service = {EventSink.class, HealthSink.class, RemoteChannel.class, MetricsProvider.class,
    ConfigurableComponent.class}, immediate = true, configurationPid = KuraCloudConfig.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = KuraCloudConfig.class)
public final class KuraCloudComponent implements EventSink, HealthSink, RemoteChannel, MetricsProvider,
    ConfigurableComponent {
  private static final Logger LOG = LoggerFactory.getLogger(KuraCloudComponent.class);
  /** Messages waiting for the publisher; a burst of events from every camera at once fits. */
  static final int QUEUE_MESSAGES = 1024;
  /** The placeholders of the publisher's app.topic this adapter fills. */
  public static final String KIND = "kind";
  public static final String CAMERA = "camera";

  private final CloudPublisher publisher;
  private final RequestHandlerRegistry registry;
  private final Map<RequestHandler, KuraRequestHandler> handlers = new ConcurrentHashMap<>();
  private final AtomicReference<CloudNotificationPublisher> notifications = new AtomicReference<>();
  private final ThreadPoolExecutor sender;
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicReference<String> lastError = new AtomicReference<>("");
  private final CloudConnectionListener connection = new CloudConnectionListener() {
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
  };
  private volatile KuraCloudConfig config;
  /** Kura's store takes messages while the connection is down; true until Kura says otherwise. */
  private volatile boolean connected = true;

  @Activate
  public KuraCloudComponent(KuraCloudConfig config, @Reference(name = "CloudPublisher") CloudPublisher publisher,
      @Reference(name = "RequestHandlerRegistry") RequestHandlerRegistry registry) {
    this.config = config;
    this.publisher = publisher;
    this.registry = registry;
    this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE_MESSAGES),
        r -> {
          Thread t = new Thread(r, "watchpost-kura-publisher");
          t.setDaemon(true);
          return t;
        }, (r, executor) -> dropped.incrementAndGet());
    publisher.registerCloudConnectionListener(connection);
    LOG.info("publishing through Kura's cloud publisher {}", config.CloudPublisher_target());
  }

  @Modified
  void modified(KuraCloudConfig config) {
    this.config = config;
  }

  @Deactivate
  void deactivate() {
    publisher.unregisterCloudConnectionListener(connection);
    sender.shutdown();
    try {
      if (!sender.awaitTermination(5, TimeUnit.SECONDS)) {
        sender.shutdownNow();
      }
    } catch (InterruptedException e) {
      sender.shutdownNow();
      Thread.currentThread().interrupt();
    }
    handlers.values().forEach(KuraRequestHandler::unregister);
    handlers.clear();
  }

  /** Each handler of remote requests is registered with Kura under its app id while both are there. */
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
    KuraCloudConfig c = config;
    send("events", event.cameraId(), KuraPayloads.event(event, c.include_box(), c.max_body_bytes()));
  }

  @Override
  public void publish(CountSummary counts) {
    send("counts", counts.cameraId(), KuraPayloads.counts(counts));
  }

  @Override
  public void alarm(HealthAlarm alarm) {
    send("health", alarm.cameraId(), KuraPayloads.alarm(alarm));
  }

  @Override
  public void report(HealthReport report) {
    send("health", report.subject(), KuraPayloads.report(report, report.subject().equals("device") ? metrics() : Map.of()));
  }

  private void send(String kind, String camera, KuraPayload payload) {
    Map<String, Object> properties = Map.of(KIND, kind, CAMERA, camera);
    KuraMessage message = new KuraMessage(payload, properties);
    try {
      sender.execute(() -> {
        try {
          publisher.publish(message);
          published.incrementAndGet();
        } catch (KuraException | RuntimeException e) {
          failed.incrementAndGet();
          String why = e.getClass().getSimpleName() + ": " + e.getMessage();
          if (!why.equals(lastError.getAndSet(why))) {
            LOG.warn("Kura's cloud publisher refused a {} message: {}", kind, why);
          }
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      dropped.incrementAndGet();
    }
  }

  // ---------------------------------------------------------------- remote channel

  /**
   * A notification goes through the notification publisher of Kura's request context (the last request's: Kura
   * has one per cloud connection), to {@code $EDC/{account}/{requester}/{appId}/NOTIFY/{clientId}/{resource}}.
   */
  @Override
  public boolean notify(Notification n) {
    CloudNotificationPublisher p = notifications.get();
    if (p == null) {
      return false;
    }
    KuraPayload payload = new KuraPayload();
    payload.setTimestamp(new java.util.Date());
    n.metrics().forEach((k, v) -> payload.addMetric(k, KuraPayloads.metricValue(v)));
    Map<String, Object> properties = Map.of("appId", n.appId(), "messageType", n.resource(), "requestorClientId",
        n.requesterClientId());
    try {
      p.publish(new KuraMessage(payload, properties));
      return true;
    } catch (KuraException | RuntimeException e) {
      failed.incrementAndGet();
      lastError.set(e.getClass().getSimpleName() + ": " + e.getMessage());
      return false;
    }
  }

  /** Kura owns the client id; requests reach the handlers without it, so none is needed here. */
  @Override
  public String clientId() {
    return "";
  }

  @Override
  public boolean connected() {
    return connected;
  }

  @Override
  public Map<String, Object> metrics() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(MetricsProvider.UPLINK_CONNECTED, connected);
    m.put(MetricsProvider.OUTBOX_DEPTH, sender.getQueue().size());
    m.put(MetricsProvider.OUTBOX_DROPPED, dropped.get());
    m.put("kura_published", published.get());
    m.put("kura_publish_failed", failed.get());
    String error = lastError.get();
    if (!error.isEmpty()) {
      m.put("kura_last_error", error.length() > 200 ? error.substring(0, 200) : error);
    }
    m.put("kura_request_handlers", handlers.size());
    return m;
  }
}
