package org.watchpost.api.health;

/** Takes health alarms and telemetry for delivery upstream. Calls must not block the caller. */
public interface HealthSink {

  void alarm(HealthAlarm alarm);

  void report(HealthReport report);
}
