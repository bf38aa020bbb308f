// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.host.HostFramework;

/**
 * Stops the framework when the JVM is asked to end (SIGTERM from systemd or a supervisor): every
 * component is deactivated, sources are closed and the uplink says goodbye, instead of the process
 * simply vanishing. The launcher in the runnable jar does not do this by itself. Inside Eclipse
 * Kura the framework and its shutdown are Kura's: no hook is added there.
 */
@Component(
    service = {},
    immediate = true)
public final class StopOnSignal {
  private static final Logger LOG = LoggerFactory.getLogger(StopOnSignal.class);

  /** Long enough for the uplink to drain and send its disconnect certificate. */
  private static final long STOP_WAIT_MILLIS = 20_000;

  private final Thread hook;

  @Activate
  public StopOnSignal(BundleContext context) {
    if (HostFramework.ownedByHost(context)) {
      LOG.info("the framework is Kura's: it stops the framework on termination, not Watchpost");
      hook = null;
      return;
    }
    Framework framework = (Framework) context.getBundle(0);
    hook =
        new Thread(
            () -> {
              LOG.info("termination requested; stopping the runtime");
              try {
                framework.stop();
                framework.waitForStop(STOP_WAIT_MILLIS);
              } catch (BundleException | IllegalStateException e) {
                LOG.warn("the runtime did not stop cleanly: {}", e.getMessage());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "watchpost-stop-on-signal");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  @Deactivate
  void deactivate() {
    if (hook == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is what is stopping us
    }
  }
}
