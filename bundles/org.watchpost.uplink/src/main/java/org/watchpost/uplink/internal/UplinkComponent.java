package org.watchpost.uplink.internal;

import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.health.MetricsProvider;
import org.watchpost.api.pipeline.SummaryContributor;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.RemoteChannel;
import org.watchpost.api.remote.RequestHandler;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The uplink as the device's event and health sink. A configuration change restarts the engine: whatever was
 * queued is committed to the outbox first, and the new engine resumes from the same outbox.
 *
 * <p>Immediate, so that it connects, sends BIRTH and drains the outbox left from before a restart without
 * waiting for the first event; and it needs its configuration (the broker is a site's choice), so nothing
 * connects anywhere or writes an outbox before the device is configured.
 */
@Component(service = {EventSink.class, HealthSink.class, MetricsProvider.class, SummaryContributor.class, RemoteChannel.class},
    immediate = true, configurationPid = UplinkConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = UplinkConfig.class)
public final class UplinkComponent implements EventSink, HealthSink, MetricsProvider, SummaryContributor, RemoteChannel {
  /** Request handlers come and go independently of the engine, which a configuration change replaces. */
  private final RequestRouter router = new RequestRouter();
  private volatile UplinkEngine engine;

  @Activate
  public UplinkComponent(UplinkConfig config) {
    engine = new UplinkEngine(config, stored -> {}, router);
  }

  @Modified
  void modified(UplinkConfig config) {
    UplinkEngine previous = engine;
    previous.close();
    engine = new UplinkEngine(config, stored -> {}, router);
  }

  @Deactivate
  void deactivate() {
    engine.close();
    router.close();
  }

  /** The handlers of remote requests (MODEL-V1 and others): subscribed for while they are registered. */
  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  public void bindRequestHandler(RequestHandler handler) {
    router.add(handler);
  }

  public void unbindRequestHandler(RequestHandler handler) {
    router.remove(handler);
  }

  @Override
  public boolean notify(Notification notification) {
    return engine.notify(notification);
  }

  @Override
  public String clientId() {
    return engine.clientId();
  }

  @Override
  public boolean connected() {
    return engine.connected();
  }

  @Override
  public void publish(Event event) {
    engine.publish(event);
  }

  @Override
  public void publish(CountSummary counts) {
    engine.publish(counts);
  }

  @Override
  public void alarm(HealthAlarm alarm) {
    engine.alarm(alarm);
  }

  @Override
  public void report(HealthReport report) {
    engine.report(report);
  }

  /** Connected and outbox depth, for device health and the OPC UA server. */
  @Override
  public Map<String, Object> metrics() {
    return engine.metrics();
  }

  @Override
  public Map<String, Object> summary() {
    return engine.summary();
  }

  @Override
  public void settle(long timeoutMillis) {
    engine.settle(timeoutMillis);
  }
}
