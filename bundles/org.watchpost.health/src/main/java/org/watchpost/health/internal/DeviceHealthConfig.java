// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
    id = DeviceHealthConfig.PID,
    name = "Watchpost device health",
    description =
        "Periodic telemetry about the device: CPU load and temperature, memory, JVM heap, disk, uptime, "
            + "and the metrics other bundles provide (inference latency, skipped frames, outbox, active model).")
public @interface DeviceHealthConfig {
  String PID = "org.watchpost.health.device";

  @AttributeDefinition(
      name = "Telemetry interval (s)",
      description = "How often the device report is sent.",
      min = "1")
  double report_interval_s() default 60;

  @AttributeDefinition(
      name = "Data directory",
      description =
          "A directory on the data partition, whose free space is reported (relative to the working directory).")
  String data_dir() default "var";

  @AttributeDefinition(
      name = "proc directory",
      description =
          "Where the kernel's process information is mounted (another path in some containers).")
  String proc_dir() default "/proc";

  @AttributeDefinition(
      name = "Thermal directory",
      description = "The kernel's thermal zones; a device without them reports no temperature.")
  String thermal_dir() default "/sys/class/thermal";
}
