// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import java.time.Instant;
import java.util.Locale;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.host.HostFramework;

/** Prints what the device would send upstream, one line each. Present only when configured. */
@Component(
    configurationPid = ConsoleSinkConfig.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ConsoleSinkConfig.class)
public final class ConsoleSink implements EventSink, HealthSink {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleSink.class);
  private final boolean printReports;

  /** Inside Kura: prints nothing. */
  private final boolean quiet;

  @Activate
  public ConsoleSink(ConsoleSinkConfig config, BundleContext context) {
    this(config, HostFramework.ownedByHost(context));
  }

  public ConsoleSink(ConsoleSinkConfig config) {
    this(config, false);
  }

  /**
   * @param insideKura Kura seeds this PID from the Metatype although nobody asked for it; there
   *     events go through Kura's cloud connection, and a line per event in Kura's console log would
   *     only fill it
   */
  ConsoleSink(ConsoleSinkConfig config, boolean insideKura) {
    this.printReports = config.print_health_reports();
    this.quiet = insideKura;
    if (insideKura) {
      LOG.info(
          "console sink standing down: the framework is Kura's (events go through org.watchpost.kura)");
    }
  }

  @Override
  public void publish(Event event) {
    if (quiet) {
      return;
    }
    String box =
        event.box() == null
            ? ""
            : String.format(
                Locale.ROOT,
                " box=[%.3f,%.3f,%.3f,%.3f]",
                event.box().x(),
                event.box().y(),
                event.box().width(),
                event.box().height());
    System.out.printf(
        Locale.ROOT,
        "EVENT %s %s camera=%s rule=%s class=%s track=%d conf=%.2f%s %s%n",
        Instant.ofEpochMilli(event.eventTimeMillis()),
        event.type(),
        event.cameraId(),
        event.ruleId(),
        event.className(),
        event.trackId(),
        event.confidence(),
        box,
        event.attributes());
  }

  @Override
  public void publish(CountSummary counts) {
    if (quiet) {
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "COUNTS %s..%s camera=%s rule=%s %s%n",
        Instant.ofEpochMilli(counts.fromMillis()),
        Instant.ofEpochMilli(counts.toMillis()),
        counts.cameraId(),
        counts.ruleId(),
        counts.counts());
  }

  @Override
  public void alarm(HealthAlarm alarm) {
    if (quiet) {
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "HEALTH %s camera=%s %s %s (%s) at %.1fs %s%n",
        Instant.ofEpochMilli(alarm.timeMillis()),
        alarm.cameraId(),
        alarm.raised() ? "RAISED" : "CLEARED",
        alarm.state(),
        alarm.reason(),
        alarm.streamMillis() / 1000.0,
        alarm.metrics());
  }

  @Override
  public void report(HealthReport report) {
    if (printReports && !quiet) {
      System.out.printf(
          Locale.ROOT,
          "TELEMETRY %s %s %s%n",
          Instant.ofEpochMilli(report.timeMillis()),
          report.subject(),
          report.metrics());
    }
  }
}
