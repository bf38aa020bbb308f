// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.health;

import org.osgi.annotation.versioning.ConsumerType;

/** Takes health alarms and telemetry for delivery upstream. Calls must not block the caller. */
@ConsumerType
public interface HealthSink {

  void alarm(HealthAlarm alarm);

  void report(HealthReport report);
}
