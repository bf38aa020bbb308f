package org.watchpost.pipeline.internal;

import java.time.Instant;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;

/** Prints what the device would send upstream, one line each. Present only when configured. */
@Component(configurationPid = ConsoleSinkConfig.PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ConsoleSinkConfig.class)
public final class ConsoleSink implements EventSink, HealthSink {
  private final boolean printReports;

  @Activate
  public ConsoleSink(ConsoleSinkConfig config) {
    this.printReports = config.print_health_reports();
  }

  @Override
  public void publish(Event event) {
    String box = event.box() == null ? "" : String.format(Locale.ROOT, " box=[%.3f,%.3f,%.3f,%.3f]", event.box().x(),
        event.box().y(), event.box().width(), event.box().height());
    System.out.printf(Locale.ROOT, "EVENT %s %s camera=%s rule=%s class=%s track=%d conf=%.2f%s %s%n",
        Instant.ofEpochMilli(event.eventTimeMillis()), event.type(), event.cameraId(), event.ruleId(), event.className(),
        event.trackId(), event.confidence(), box, event.attributes());
  }

  @Override
  public void publish(CountSummary counts) {
    System.out.printf(Locale.ROOT, "COUNTS %s..%s camera=%s rule=%s %s%n", Instant.ofEpochMilli(counts.fromMillis()),
        Instant.ofEpochMilli(counts.toMillis()), counts.cameraId(), counts.ruleId(), counts.counts());
  }

  @Override
  public void alarm(HealthAlarm alarm) {
    System.out.printf(Locale.ROOT, "HEALTH %s camera=%s %s %s (%s) at %.1fs %s%n", Instant.ofEpochMilli(alarm.timeMillis()),
        alarm.cameraId(), alarm.raised() ? "RAISED" : "CLEARED", alarm.state(), alarm.reason(), alarm.streamMillis() / 1000.0,
        alarm.metrics());
  }

  @Override
  public void report(HealthReport report) {
    if (printReports) {
      System.out.printf(Locale.ROOT, "TELEMETRY %s %s %s%n", Instant.ofEpochMilli(report.timeMillis()), report.subject(),
          report.metrics());
    }
  }
}
