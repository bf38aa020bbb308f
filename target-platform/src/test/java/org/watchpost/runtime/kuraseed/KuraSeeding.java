// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime.kuraseed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;
import org.osgi.util.tracker.BundleTracker;

/**
 * What Kura's ConfigurationService does to a bundle's Metatype, for the Kura-shaped frameworks of
 * the ITs. Kura (org.eclipse.kura.core.configuration: ConfigurationServiceImpl with its
 * ComponentMetaTypeBundleTracker) tracks every ACTIVE bundle and, for every designate PID of its
 * Metatype that is not a factory PID, gets the configuration
 * (ConfigurationAdmin.getConfiguration(pid, "?")), keeps what it holds, adds {@code
 * kura.service.pid} and every attribute's Metatype default that is missing, and updates it: so a
 * REQUIRE component runs with its defaults although nobody configured it. Factory PIDs are only
 * remembered; their instances get the defaults when created through Kura
 * (createFactoryConfiguration), which {@link #completeFactoryInstances} stands in for.
 *
 * <p>Only Watchpost's bundles are tracked: the frameworks' own bundles (Jetty's, for one) are not
 * Kura's and were not written for this.
 */
public final class KuraSeeding {
  public static final String KURA_SERVICE_PID = "kura.service.pid";
  private final ConfigurationAdmin cm;
  private final MetaTypeService metatype;
  private final Set<String> seeded = new ConcurrentSkipListSet<>();
  private final List<String> errors = new ArrayList<>();
  private final BundleTracker<Bundle> tracker;

  public KuraSeeding(BundleContext context, ConfigurationAdmin cm, MetaTypeService metatype) {
    this.cm = cm;
    this.metatype = metatype;
    this.tracker =
        new BundleTracker<>(context, Bundle.ACTIVE, null) {
          @Override
          public Bundle addingBundle(Bundle bundle, BundleEvent event) {
            String name = bundle.getSymbolicName();
            if (name != null && name.startsWith("org.watchpost.")) {
              seed(bundle);
            }
            return bundle;
          }
        };
  }

  /**
   * Opened before the .dp goes in, as Kura's ConfigurationService is up before any package is
   * installed.
   */
  public KuraSeeding open() {
    tracker.open();
    return this;
  }

  public void close() {
    tracker.close();
  }

  /** The non-factory PIDs seeded so far. */
  public String seededPids() {
    return String.join(",", seeded);
  }

  public synchronized String errors() {
    return String.join(";", errors);
  }

  private void seed(Bundle bundle) {
    MetaTypeInformation info = metatype.getMetaTypeInformation(bundle);
    if (info == null) {
      return;
    }
    for (String pid : info.getPids()) {
      try {
        Configuration c = cm.getConfiguration(pid, "?");
        Dictionary<String, Object> properties =
            c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        if (properties.get(KURA_SERVICE_PID) == null) {
          properties.put(KURA_SERVICE_PID, pid);
        }
        mergeDefaults(info.getObjectClassDefinition(pid, null), properties);
        c.update(properties);
        seeded.add(pid);
      } catch (IOException | RuntimeException e) {
        synchronized (this) {
          errors.add(pid + ": " + e);
        }
      }
    }
  }

  /**
   * The operator's factory instances (cameras, rules) completed with their Metatype defaults, as
   * Kura stores an instance created in its UI; returns the factory PIDs completed.
   */
  public List<String> completeFactoryInstances(BundleContext context) throws Exception {
    Set<String> done = new TreeSet<>();
    Configuration[] all = cm.listConfigurations("(service.factoryPid=org.watchpost.*)");
    for (Configuration c : all == null ? new Configuration[0] : all) {
      for (Bundle b : context.getBundles()) {
        MetaTypeInformation info = metatype.getMetaTypeInformation(b);
        if (info == null || !List.of(info.getFactoryPids()).contains(c.getFactoryPid())) {
          continue;
        }
        Dictionary<String, Object> properties = c.getProperties();
        if (properties.get(KURA_SERVICE_PID) == null) {
          properties.put(KURA_SERVICE_PID, c.getPid());
        }
        mergeDefaults(info.getObjectClassDefinition(c.getFactoryPid(), null), properties);
        c.update(properties);
        done.add(c.getFactoryPid());
      }
    }
    return new ArrayList<>(done);
  }

  /**
   * As Kura's ConfigurationService.createFactoryConfiguration(factoryPid, pid, properties,
   * takeSnapshot) makes a camera or rule an operator adds in Kura's UI: a new factory configuration
   * (ConfigurationAdmin names it), the operator's values merged with the factory's Metatype
   * defaults, {@code kura.service.pid} set to the name typed; returns the ConfigurationAdmin PID.
   */
  public String createFactoryConfiguration(
      BundleContext context,
      String factoryPid,
      String kuraPid,
      java.util.Map<String, Object> values)
      throws IOException {
    String servicePid = cm.createFactoryConfiguration(factoryPid, null).getPid();
    Dictionary<String, Object> properties = new Hashtable<>(values);
    mergeDefaults(ocd(context, factoryPid), properties);
    properties.put(KURA_SERVICE_PID, kuraPid);
    cm.getConfiguration(servicePid, "?").update(properties);
    return servicePid;
  }

  /**
   * As Kura's ConfigurationService.updateConfiguration(pid, properties) does from its UI: only for
   * a PID a ConfigurableComponent carries (Kura ignores any other, "NOT tracked"), on the
   * configuration named by that service's {@code service.pid}, with the OCD found as Kura finds it,
   * defaults then running values then the new ones merged.
   */
  public void updateConfiguration(
      BundleContext context, String kuraPid, java.util.Map<String, Object> values)
      throws Exception {
    org.osgi.framework.ServiceReference<?>[] refs =
        context.getServiceReferences(
            CONFIGURABLE_COMPONENT, "(" + KURA_SERVICE_PID + "=" + kuraPid + ")");
    if (refs == null) {
      throw new IllegalStateException(
          kuraPid + " is not tracked: no ConfigurableComponent carries it");
    }
    String servicePid =
        String.valueOf(refs[0].getProperty(org.osgi.framework.Constants.SERVICE_PID));
    Object factoryPid = refs[0].getProperty(ConfigurationAdmin.SERVICE_FACTORYPID);
    Configuration c = cm.getConfiguration(servicePid, "?");
    Dictionary<String, Object> properties = new Hashtable<>();
    mergeDefaults(ocd(context, factoryPid != null ? factoryPid.toString() : kuraPid), properties);
    Dictionary<String, Object> running = c.getProperties();
    for (java.util.Enumeration<String> keys = running.keys(); keys.hasMoreElements(); ) {
      String key = keys.nextElement();
      properties.put(key, running.get(key));
    }
    values.forEach(properties::put);
    if (properties.get(KURA_SERVICE_PID) == null) {
      properties.put(KURA_SERVICE_PID, kuraPid);
    }
    c.update(properties);
  }

  public static final String CONFIGURABLE_COMPONENT =
      "org.eclipse.kura.configuration.ConfigurableComponent";

  /**
   * What Kura's configuration UI lists (ConfigurationServiceImpl.addConfigurableComponent per
   * ConfigurableComponent service) as {@code kura.service.pid}s, sorted; each checked as Kura would
   * use it: a String {@code service.pid} naming a ConfigurationAdmin configuration that holds
   * properties, and an OCD found as Kura finds it (by the service's {@code service.factoryPid},
   * else by its {@code kura.service.pid}: the file OSGI-INF/metatype/PID.xml in an active bundle
   * whose Metatype lists that PID). What fails goes to problems.
   */
  public List<String> configurables(BundleContext context, List<String> problems) throws Exception {
    org.osgi.framework.ServiceReference<?>[] refs =
        context.getServiceReferences(CONFIGURABLE_COMPONENT, null);
    List<String> pids = new ArrayList<>();
    for (org.osgi.framework.ServiceReference<?> ref :
        refs == null ? new org.osgi.framework.ServiceReference<?>[0] : refs) {
      Object kuraPid = ref.getProperty(KURA_SERVICE_PID);
      Object servicePid = ref.getProperty(org.osgi.framework.Constants.SERVICE_PID);
      Object factoryPid = ref.getProperty(ConfigurationAdmin.SERVICE_FACTORYPID);
      if (!(kuraPid instanceof String) || !(servicePid instanceof String)) {
        problems.add("a ConfigurableComponent without String kura.service.pid/service.pid: " + ref);
        continue;
      }
      pids.add((String) kuraPid);
      String ocdPid = factoryPid != null ? factoryPid.toString() : (String) kuraPid;
      if (ocd(context, ocdPid) == null) {
        problems.add(kuraPid + ": no OCD " + ocdPid + " as Kura finds it");
      }
      Configuration[] c = cm.listConfigurations("(service.pid=" + servicePid + ")");
      if (c == null || c[0].getProperties() == null) {
        problems.add(kuraPid + ": no configuration " + servicePid);
      } else if (factoryPid != null && !factoryPid.equals(c[0].getFactoryPid())) {
        problems.add(
            kuraPid
                + ": factory "
                + factoryPid
                + " but its configuration's is "
                + c[0].getFactoryPid());
      }
    }
    java.util.Collections.sort(pids);
    return pids;
  }

  /**
   * The OCD of a PID or factory PID as Kura reads it: OSGI-INF/metatype/PID.xml of an active bundle
   * listing it.
   */
  private ObjectClassDefinition ocd(BundleContext context, String pid) {
    for (Bundle b : context.getBundles()) {
      if (b.getState() != Bundle.ACTIVE
          || b.getEntry("OSGI-INF/metatype/" + pid + ".xml") == null) {
        continue;
      }
      MetaTypeInformation info = metatype.getMetaTypeInformation(b);
      if (info != null
          && (List.of(info.getPids()).contains(pid)
              || List.of(info.getFactoryPids()).contains(pid))) {
        ObjectClassDefinition ocd = info.getObjectClassDefinition(pid, null);
        if (ocd != null && pid.equals(ocd.getID())) {
          return ocd;
        }
      }
    }
    return null;
  }

  private static void mergeDefaults(
      ObjectClassDefinition ocd, Dictionary<String, Object> properties) {
    for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
      String[] defaults = ad.getDefaultValue();
      // Kura (ComponentUtil.getDefaultValue) writes nothing for a blank default: users="" stays
      // absent, not [""].
      if (properties.get(ad.getID()) == null
          && defaults != null
          && !String.join(",", defaults).isBlank()) {
        properties.put(ad.getID(), typed(ad, defaults));
      }
    }
  }

  private static Object typed(AttributeDefinition ad, String[] values) {
    if (ad.getCardinality() == 0) {
      return value(ad.getType(), values.length == 0 ? "" : values[0]);
    }
    Object array =
        java.lang.reflect.Array.newInstance(value(ad.getType(), "0").getClass(), values.length);
    for (int i = 0; i < values.length; i++) {
      java.lang.reflect.Array.set(array, i, value(ad.getType(), values[i]));
    }
    return array;
  }

  private static Object value(int type, String v) {
    return switch (type) {
      case AttributeDefinition.LONG -> Long.valueOf(v);
      case AttributeDefinition.INTEGER -> Integer.valueOf(v);
      case AttributeDefinition.SHORT -> Short.valueOf(v);
      case AttributeDefinition.BYTE -> Byte.valueOf(v);
      case AttributeDefinition.DOUBLE -> Double.valueOf(v);
      case AttributeDefinition.FLOAT -> Float.valueOf(v);
      case AttributeDefinition.BOOLEAN -> Boolean.valueOf(v);
      case AttributeDefinition.CHARACTER -> v.isEmpty() ? ' ' : v.charAt(0);
      default -> v;
    };
  }

  /**
   * The TCP ports this JVM listens on (Linux: its socket inodes matched against /proc/net/tcp and
   * tcp6 in LISTEN state), so that a test can say which ports a component opened.
   */
  public static String listeningPorts() throws IOException {
    Set<String> inodes = new HashSet<>();
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String link = Files.readSymbolicLink(fd).toString();
          if (link.startsWith("socket:[")) {
            inodes.add(link.substring(8, link.length() - 1));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    Set<Integer> ports = new TreeSet<>();
    for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.exists(p)) {
        continue;
      }
      for (String line : Files.readAllLines(p)) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && "0A".equals(f[3]) && inodes.contains(f[9])) {
          String local = f[1];
          ports.add(Integer.parseInt(local.substring(local.indexOf(':') + 1), 16));
        }
      }
    }
    return ports.toString();
  }
}
