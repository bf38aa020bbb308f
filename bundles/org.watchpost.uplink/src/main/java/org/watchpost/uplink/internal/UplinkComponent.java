// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.Map;
import org.osgi.service.component.ComponentConstants;
import org.osgi.service.component.ComponentContext;
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
import org.watchpost.api.pipeline.SummaryContributor;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.RemoteChannel;
import org.watchpost.api.remote.RequestHandler;

/**
 * The uplink as the device's event and health sink. A configuration change restarts the engine:
 * whatever was queued is committed to the outbox first, and the new engine resumes from the same
 * outbox.
 *
 * <p>Immediate, so that it connects, sends BIRTH and drains the outbox left from before a restart
 * without waiting for the first event; and it needs its configuration (the broker is a site's
 * choice), so nothing connects anywhere or writes an outbox before the device is configured.
 *
 * <p>Inside Eclipse Kura it stands down: Kura's ConfigurationService seeds a configuration from the
 * Metatype defaults for every PID it finds in a bundle, so this component would be configured there
 * too and open a second MQTT session beside Kura's; the uplink's part on Kura is the governed one
 * behind Kura's CloudPublisher (bundle org.watchpost.kura). Standing down opens nothing, writes no
 * outbox and disables the component, so none of its services stays registered.
 */
@Component(
    service = {
      EventSink.class,
      HealthSink.class,
      MetricsProvider.class,
      SummaryContributor.class,
      RemoteChannel.class
    },
    immediate = true,
    configurationPid = UplinkConfig.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = UplinkConfig.class)
public final class UplinkComponent
    implements EventSink, HealthSink, MetricsProvider, SummaryContributor, RemoteChannel {
  /**
   * Request handlers come and go independently of the engine, which a configuration change
   * replaces.
   */
  private final RequestRouter router = new RequestRouter();

  private static final Logger LOG = LoggerFactory.getLogger(UplinkComponent.class);

  /** Null when standing down inside Kura. */
  private volatile UplinkEngine engine;

  @Activate
  public UplinkComponent(UplinkConfig config, ComponentContext context) {
    this(
        config, HostFramework.ownedByHost(context.getBundleContext()), () -> disableLater(context));
  }

  /**
   * Takes the component out of service from another thread. Called from its own activation, SCR
   * (2.1.16, Kura 5.5's) waits in disableComponent for that very activation to finish: the thread
   * delivering Kura's seeded configuration hung there for good, and with it every configuration
   * event after it.
   */
  private static void disableLater(ComponentContext context) {
    String name = (String) context.getProperties().get(ComponentConstants.COMPONENT_NAME);
    Thread thread = new Thread(() -> context.disableComponent(name), "uplink-stand-down");
    thread.setDaemon(true);
    thread.start();
  }

  /** Standalone: the engine connects to the configured broker. */
  public UplinkComponent(UplinkConfig config) {
    this(config, false, () -> {});
  }

  /**
   * @param standDown called once, inside Kura, to take the component out of service
   */
  UplinkComponent(UplinkConfig config, boolean insideKura, Runnable standDown) {
    if (insideKura) {
      LOG.info(
          "standing down: the framework is Kura's; Watchpost publishes through Kura's cloud connection"
              + " (org.watchpost.kura), so this uplink opens no MQTT session of its own");
      engine = null;
      standDown.run();
    } else {
      engine = new UplinkEngine(config, stored -> {}, router);
    }
  }

  @Modified
  void modified(UplinkConfig config) {
    UplinkEngine previous = engine;
    if (previous == null) {
      return;
    }
    previous.close();
    engine = new UplinkEngine(config, stored -> {}, router);
  }

  @Deactivate
  void deactivate() {
    UplinkEngine e = engine;
    if (e != null) {
      e.close();
    }
    router.close();
  }

  /**
   * The handlers of remote requests (MODEL-V1 and others): subscribed for while they are
   * registered.
   */
  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  public void bindRequestHandler(RequestHandler handler) {
    router.add(handler);
  }

  public void unbindRequestHandler(RequestHandler handler) {
    router.remove(handler);
  }

  @Override
  public boolean notify(Notification notification) {
    UplinkEngine e = engine;
    return e != null && e.notify(notification);
  }

  @Override
  public String clientId() {
    UplinkEngine e = engine;
    return e == null ? "" : e.clientId();
  }

  @Override
  public boolean connected() {
    UplinkEngine e = engine;
    return e != null && e.connected();
  }

  @Override
  public void publish(Event event) {
    UplinkEngine e = engine;
    if (e != null) {
      e.publish(event);
    }
  }

  @Override
  public void publish(CountSummary counts) {
    UplinkEngine e = engine;
    if (e != null) {
      e.publish(counts);
    }
  }

  @Override
  public void alarm(HealthAlarm alarm) {
    UplinkEngine e = engine;
    if (e != null) {
      e.alarm(alarm);
    }
  }

  @Override
  public void report(HealthReport report) {
    UplinkEngine e = engine;
    if (e != null) {
      e.report(report);
    }
  }

  /** Connected and outbox depth, for device health and the OPC UA server. */
  @Override
  public Map<String, Object> metrics() {
    UplinkEngine e = engine;
    return e == null ? Map.of("uplink_standing_down", "inside Kura") : e.metrics();
  }

  @Override
  public Map<String, Object> summary() {
    UplinkEngine e = engine;
    return e == null ? Map.of() : e.summary();
  }

  @Override
  public void settle(long timeoutMillis) {
    UplinkEngine e = engine;
    if (e != null) {
      e.settle(timeoutMillis);
    }
  }
}
