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
 * What Kura's ConfigurationService does to a bundle's Metatype, for the Kura-shaped frameworks of the ITs. Kura
 * (org.eclipse.kura.core.configuration: ConfigurationServiceImpl with its ComponentMetaTypeBundleTracker) tracks
 * every ACTIVE bundle and, for every designate PID of its Metatype that is not a factory PID, gets the
 * configuration (ConfigurationAdmin.getConfiguration(pid, "?")), keeps what it holds, adds {@code kura.service.pid}
 * and every attribute's Metatype default that is missing, and updates it: so a REQUIRE component runs with its
 * defaults although nobody configured it. Factory PIDs are only remembered; their instances get the defaults when
 * created through Kura (createFactoryConfiguration), which {@link #completeFactoryInstances} stands in for.
 *
 * <p>Only Watchpost's bundles are tracked: the frameworks' own bundles (Jetty's, for one) are not Kura's and
 * were not written for this.
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
    this.tracker = new BundleTracker<>(context, Bundle.ACTIVE, null) {
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

  /** Opened before the .dp goes in, as Kura's ConfigurationService is up before any package is installed. */
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
        Dictionary<String, Object> properties = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
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
   * The operator's factory instances (cameras, rules) completed with their Metatype defaults, as Kura stores an
   * instance created in its UI; returns the factory PIDs completed.
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

  private static void mergeDefaults(ObjectClassDefinition ocd, Dictionary<String, Object> properties) {
    for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
      String[] defaults = ad.getDefaultValue();
      // Kura (ComponentUtil.getDefaultValue) writes nothing for a blank default: users="" stays absent, not [""].
      if (properties.get(ad.getID()) == null && defaults != null && !String.join(",", defaults).isBlank()) {
        properties.put(ad.getID(), typed(ad, defaults));
      }
    }
  }

  private static Object typed(AttributeDefinition ad, String[] values) {
    if (ad.getCardinality() == 0) {
      return value(ad.getType(), values.length == 0 ? "" : values[0]);
    }
    Object array = java.lang.reflect.Array.newInstance(value(ad.getType(), "0").getClass(), values.length);
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
   * The TCP ports this JVM listens on (Linux: its socket inodes matched against /proc/net/tcp and tcp6 in LISTEN
   * state), so that a test can say which ports a component opened.
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
