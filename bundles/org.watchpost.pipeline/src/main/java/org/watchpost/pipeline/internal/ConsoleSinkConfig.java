// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
    id = ConsoleSinkConfig.PID,
    name = "Watchpost console",
    description =
        "Prints events, counts and health to standard output: bring-up on a bench, or a device without an uplink.")
public @interface ConsoleSinkConfig {
  String PID = "org.watchpost.console";

  @AttributeDefinition(
      name = "Print health telemetry",
      description = "Also print the periodic health reports, not only alarms.")
  boolean print_health_reports() default false;
}
