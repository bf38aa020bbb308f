// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;

/** A health sink that keeps what it was given. */
final class RecordingSink implements HealthSink {
  final List<HealthAlarm> alarms = new CopyOnWriteArrayList<>();
  final List<HealthReport> reports = new CopyOnWriteArrayList<>();

  @Override
  public void alarm(HealthAlarm alarm) {
    alarms.add(alarm);
  }

  @Override
  public void report(HealthReport report) {
    reports.add(report);
  }

  HealthReport lastReport(String subject) {
    for (int i = reports.size() - 1; i >= 0; i--) {
      if (reports.get(i).subject().equals(subject)) {
        return reports.get(i);
      }
    }
    throw new AssertionError("no report about " + subject + " in " + reports);
  }
}
