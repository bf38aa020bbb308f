// SPDX-License-Identifier: Apache-2.0
package org.watchpost.kura.internal;

import java.io.IOException;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.util.tracker.BundleTracker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts every Watchpost configuration in Kura's configuration UI and snapshots without the other
 * bundles importing Kura's API: for each configuration in ConfigurationAdmin whose PID (or factory
 * PID) has a Metatype file {@code OSGI-INF/metatype/<pid>.xml} in an active Watchpost bundle, it
 * registers a {@link ConfigurableComponent} stand-in carrying what Kura's ConfigurationServiceImpl
 * reads from a ConfigurableComponent's service reference (its {@code addConfigurableComponent}):
 * {@code service.pid} (the ConfigurationAdmin PID Kura reads and updates), {@code kura.service.pid}
 * (the name Kura lists it under) and, for a camera or rule instance, {@code service.factoryPid}
 * (how Kura finds the instance's OCD). The stand-in goes when the configuration or its bundle goes,
 * and Kura forgets the PID. A stand-in stays registered across updates: Kura seeds defaults into an
 * instance each time one is registered, so re-registering on every update would loop.
 *
 * <p>Threads: configuration and bundle events only ask for a reconciliation; one thread of this
 * component does it, so that no caller (ConfigurationAdmin's event thread, SCR's activation) waits
 * for Kura's ConfigurationService taking the registration.
 */
@Component(service = ConfigurationListener.class, immediate = true)
public final class KuraConfigurables implements ConfigurationListener {
  private static final Logger LOG = LoggerFactory.getLogger(KuraConfigurables.class);
  static final String KURA_SERVICE_PID = "kura.service.pid";
  static final String METATYPE_DIR = "OSGI-INF/metatype/";
  static final String WATCHPOST = "org.watchpost.";

  /**
   * Configured by Kura's seeding but inert inside Kura (each stands down there with a line), so an
   * operator is not shown settings that do nothing: the uplink's own MQTT session (the governor's
   * settings are this bundle's {@code org.watchpost.kura.cloud}), the systemd notifier and the
   * console sink.
   */
  static final Set<String> INERT_IN_KURA =
      Set.of("org.watchpost.uplink", "org.watchpost.systemd", "org.watchpost.console");

  private final BundleContext context;
  private final ConfigurationAdmin cm;
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "kura-configurables");
            t.setDaemon(true);
            return t;
          });
  private final AtomicBoolean pending = new AtomicBoolean();
  private final BundleTracker<Bundle> bundles;

  /** By ConfigurationAdmin PID; touched only on the worker thread. */
  private final Map<String, Registered> registered = new HashMap<>();

  private volatile boolean open = true;

  private record Registered(
      String kuraPid, ServiceRegistration<ConfigurableComponent> registration) {}

  /** What Kura's ConfigurationService tracks; it holds nothing and is never called. */
  private static final class StandIn implements ConfigurableComponent {
    private final String pid;

    StandIn(String pid) {
      this.pid = pid;
    }

    @Override
    public String toString() {
      return "ConfigurableComponent stand-in for " + pid;
    }
  }

  @Activate
  public KuraConfigurables(BundleContext context, @Reference ConfigurationAdmin cm) {
    this.context = context;
    this.cm = cm;
    this.bundles =
        new BundleTracker<>(context, Bundle.ACTIVE, null) {
          @Override
          public Bundle addingBundle(Bundle bundle, BundleEvent event) {
            if (!isWatchpost(bundle)) {
              return null;
            }
            reconcileSoon();
            return bundle;
          }

          @Override
          public void removedBundle(Bundle bundle, BundleEvent event, Bundle object) {
            reconcileSoon();
          }
        };
    bundles.open();
    reconcileSoon();
  }

  @Deactivate
  void deactivate() {
    open = false;
    bundles.close();
    worker.shutdown();
    try {
      worker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    registered.values().forEach(r -> unregister(r.registration()));
    registered.clear();
  }

  @Override
  public void configurationEvent(ConfigurationEvent event) {
    String pid = event.getFactoryPid() != null ? event.getFactoryPid() : event.getPid();
    if (pid != null && pid.startsWith(WATCHPOST)) {
      reconcileSoon();
    }
  }

  private void reconcileSoon() {
    if (open && pending.compareAndSet(false, true)) {
      try {
        worker.execute(
            () -> {
              pending.set(false);
              reconcile();
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        pending.set(false);
      }
    }
  }

  private void reconcile() {
    if (!open) {
      return;
    }
    Map<String, Map<String, Object>> wanted = new HashMap<>();
    try {
      Configuration[] all =
          cm.listConfigurations(
              "(|(service.pid=" + WATCHPOST + "*)(service.factoryPid=" + WATCHPOST + "*))");
      for (Configuration c : all == null ? new Configuration[0] : all) {
        Map<String, Object> p =
            standInProperties(c.getPid(), c.getFactoryPid(), c.getProperties(), this::hasMetatype);
        if (p != null) {
          wanted.put(c.getPid(), p);
        }
      }
    } catch (IOException | InvalidSyntaxException | RuntimeException e) {
      LOG.warn("cannot list Watchpost configurations for Kura's UI: {}", e.toString());
      return;
    }
    registered
        .entrySet()
        .removeIf(
            e -> {
              Map<String, Object> w = wanted.get(e.getKey());
              if (w != null && w.get(KURA_SERVICE_PID).equals(e.getValue().kuraPid())) {
                return false;
              }
              unregister(e.getValue().registration());
              LOG.info("{} no longer in Kura's configuration UI", e.getValue().kuraPid());
              return true;
            });
    wanted.forEach(
        (pid, properties) -> {
          if (!registered.containsKey(pid) && open) {
            String kuraPid = (String) properties.get(KURA_SERVICE_PID);
            ServiceRegistration<ConfigurableComponent> r =
                context.registerService(
                    ConfigurableComponent.class, new StandIn(kuraPid), new Hashtable<>(properties));
            registered.put(pid, new Registered(kuraPid, r));
            LOG.debug("{} in Kura's configuration UI (service.pid {})", kuraPid, pid);
          }
        });
  }

  /**
   * The properties of the stand-in for one ConfigurationAdmin configuration, or null when Kura
   * should not list it: not a Watchpost PID, inert inside Kura, no properties yet (created, never
   * updated), or no Metatype file Kura would read its OCD from.
   *
   * <p>Kura keys a singleton's OCD by its {@code kura.service.pid}, so that is the PID itself; a
   * factory instance is listed under the {@code kura.service.pid} its configuration holds (Kura's
   * createFactoryConfiguration writes the name the operator typed), else under its
   * ConfigurationAdmin PID (an instance made without Kura, e.g. by the installer's page as {@code
   * org.watchpost.analytics.rule~lawn}), which Kura then writes into it.
   */
  static Map<String, Object> standInProperties(
      String pid,
      String factoryPid,
      Dictionary<String, Object> properties,
      java.util.function.Predicate<String> hasMetatype) {
    String metatypePid = factoryPid != null ? factoryPid : pid;
    if (pid == null
        || properties == null
        || !metatypePid.startsWith(WATCHPOST)
        || INERT_IN_KURA.contains(metatypePid)
        || !hasMetatype.test(metatypePid)) {
      return null;
    }
    Map<String, Object> p = new HashMap<>();
    p.put(Constants.SERVICE_PID, pid);
    if (factoryPid != null) {
      p.put(ConfigurationAdmin.SERVICE_FACTORYPID, factoryPid);
      Object kuraPid = properties.get(KURA_SERVICE_PID);
      p.put(KURA_SERVICE_PID, kuraPid instanceof String s && !s.isBlank() ? s : pid);
    } else {
      p.put(KURA_SERVICE_PID, pid);
    }
    p.put(Constants.SERVICE_DESCRIPTION, "Watchpost configuration in Kura's UI");
    return p;
  }

  /** As Kura finds a PID's OCD: the file named after it in an active Watchpost bundle. */
  private boolean hasMetatype(String metatypePid) {
    for (Bundle b : bundles.getBundles() == null ? new Bundle[0] : bundles.getBundles()) {
      if (b.getState() == Bundle.ACTIVE
          && b.getEntry(METATYPE_DIR + metatypePid + ".xml") != null) {
        return true;
      }
    }
    return false;
  }

  private static boolean isWatchpost(Bundle bundle) {
    String name = bundle.getSymbolicName();
    return name != null && name.startsWith(WATCHPOST);
  }

  private static void unregister(ServiceRegistration<?> registration) {
    try {
      registration.unregister();
    } catch (IllegalStateException e) {
      // The bundle stopped first: already gone.
    }
  }
}
