// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.host.HostFramework;

/**
 * Tells systemd when the runtime is ready and feeds its watchdog while every camera makes progress.
 */
@Component(
    service = {},
    immediate = true,
    configurationPid = SystemdConfig.PID)
@Designate(ocd = SystemdConfig.class)
public final class SystemdComponent {
  private static final Logger LOG = LoggerFactory.getLogger(SystemdComponent.class);
  private final List<PipelineProgress> pipelines = new CopyOnWriteArrayList<>();
  private final WatchdogFeeder feeder;

  @Activate
  public SystemdComponent(BundleContext context, SystemdConfig config) {
    if (!(config.wedged_after_s() >= 1) || Double.isInfinite(config.wedged_after_s())) {
      throw new IllegalArgumentException(
          SystemdConfig.PID
              + ": wedged.after.s must be a finite number >= 1, was "
              + config.wedged_after_s());
    }
    if (HostFramework.ownedByHost(context)) {
      // The process and its unit are Kura's: READY=1 and watchdog pings for it are Kura's to send,
      // and a stuck
      // camera must not starve Kura's watchdog into a restart of the whole gateway.
      LOG.info(
          "systemd: standing down: the framework is Kura's; Kura speaks for its process to systemd");
      feeder = null;
      return;
    }
    Bundle system = context.getBundle(0);
    Collection<PipelineProgress> view = pipelines;
    feeder =
        WatchdogFeeder.start(
            System.getenv(),
            config.notify_command(),
            Duration.ofMillis(Math.round(config.wedged_after_s() * 1000)),
            () -> view,
            () -> system.getState() == Bundle.ACTIVE);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addPipeline(PipelineProgress pipeline) {
    pipelines.add(pipeline);
  }

  void removePipeline(PipelineProgress pipeline) {
    pipelines.remove(pipeline);
  }

  @Deactivate
  void deactivate() {
    if (feeder != null) {
      feeder.close();
    }
  }
}
