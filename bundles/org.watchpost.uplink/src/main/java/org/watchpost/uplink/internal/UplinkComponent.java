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

/**
 * The uplink as the device's event and health sink. A configuration change restarts the engine: whatever was
 * queued is committed to the outbox first, and the new engine resumes from the same outbox.
 *
 * <p>Immediate, so that it connects, sends BIRTH and drains the outbox left from before a restart without
 * waiting for the first event; and it needs its configuration (the broker is a site's choice), so nothing
 * connects anywhere or writes an outbox before the device is configured.
 */
@Component(service = {EventSink.class, HealthSink.class, MetricsProvider.class, SummaryContributor.class}, immediate = true,
    configurationPid = UplinkConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = UplinkConfig.class)
public final class UplinkComponent implements EventSink, HealthSink, MetricsProvider, SummaryContributor {
  private volatile UplinkEngine engine;

  @Activate
  public UplinkComponent(UplinkConfig config) {
    engine = new UplinkEngine(config);
  }

  @Modified
  void modified(UplinkConfig config) {
    UplinkEngine previous = engine;
    previous.close();
    engine = new UplinkEngine(config);
  }

  @Deactivate
  void deactivate() {
    engine.close();
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
