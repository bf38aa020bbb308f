// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
    id = SystemdConfig.PID,
    name = "Watchpost systemd notification",
    description =
        "Readiness and the watchdog for systemd (Type=notify, WatchdogSec=). Does nothing outside systemd.")
public @interface SystemdConfig {
  String PID = "org.watchpost.systemd";

  @AttributeDefinition(
      name = "Stuck after (s)",
      description =
          "A camera's pipeline that has not gone round its loop for this long is stuck: the watchdog is no longer fed and systemd restarts the service. Longer than the slowest frame (detector, analytics) on the device.",
      min = "1")
  double wedged_after_s() default 60;

  @AttributeDefinition(
      name = "Notify command",
      description = "The program that sends sd_notify messages.")
  String notify_command() default "systemd-notify";
}
