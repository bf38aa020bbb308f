// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;
import org.watchpost.uplink.codec.KuraPayload;

/**
 * The uplink bundle as the device runs it: Equinox with Felix SCR and Config Admin, this module's
 * jar and the runtime bundles it needs (nothing else), configured through Config Admin, publishing
 * to a real Mosquitto. Proves the manifest resolves, the embedded MQTT 5 client finds its network
 * modules, SQLite loads its native library inside the framework, and the component serves
 * EventSink.
 */
class UplinkInFrameworkIT {
  /** File name prefixes of the runtime bundles, as Maven names the jars. */
  private static final List<String> RUNTIME =
      List.of(
          "org.osgi.util.function-",
          "org.osgi.util.promise-",
          "org.osgi.service.component-",
          "org.apache.felix.scr-",
          "org.apache.felix.configadmin-",
          "org.apache.felix.metatype-",
          "slf4j-api-",
          "slf4j-simple-",
          "failsafe-",
          "protobuf-java-",
          "org.eclipse.paho.client.mqttv3-",
          "sqlite-jdbc-",
          "org.watchpost.api-");

  private static List<File> runtimeJars() {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<File> jars = new ArrayList<>();
    for (String prefix : RUNTIME) {
      File found = null;
      for (String entry : classpath.split(File.pathSeparator)) {
        File f = new File(entry);
        if (f.getName().startsWith(prefix) && f.getName().endsWith(".jar")) {
          found = f;
        }
        // The API module may be on the class path as its classes directory when built in the same
        // reactor.
        if (found == null
            && prefix.equals("org.watchpost.api-")
            && entry.contains("org.watchpost.api")
            && f.isDirectory()) {
          File jar = new File(f.getParentFile(), "org.watchpost.api-0.1.0-SNAPSHOT.jar");
          if (jar.isFile()) {
            found = jar;
          }
        }
      }
      assertNotNull(found, "runtime bundle " + prefix + " on the test class path");
      jars.add(found);
    }
    jars.add(new File(System.getProperty("watchpost.bundle")));
    return jars;
  }

  private static ServiceReference<?> service(BundleContext context, String type) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      ServiceReference<?>[] refs = context.getAllServiceReferences(type, null);
      if (refs != null && refs.length > 0) {
        return refs[0];
      }
      Thread.sleep(50);
    }
    throw new AssertionError(type + " is not registered");
  }

  @Test
  void theBundleResolvesActivatesFromConfigAdminAndPublishes() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-osgi");
    Map<String, String> launch = new HashMap<>();
    launch.put("org.osgi.framework.storage", dir.resolve("framework").toString());
    launch.put("org.osgi.framework.storage.clean", "onFirstInit");
    Framework framework =
        ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(launch);
    framework.start();
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url())) {
      BundleContext context = framework.getBundleContext();
      List<Bundle> bundles = new ArrayList<>();
      for (File jar : runtimeJars()) {
        bundles.add(context.installBundle(jar.toURI().toString()));
      }
      for (Bundle b : bundles) {
        if (b.getHeaders().get("Fragment-Host") == null) {
          b.start();
        }
      }
      Bundle uplink = bundles.get(bundles.size() - 1);
      assertEquals(Bundle.ACTIVE, uplink.getState(), "the uplink bundle resolved and started");

      // Configure through Config Admin, as the device's configurator would (reflection: its classes
      // are the
      // framework's, not this test's).
      // The test's class path holds its own copies of the service interfaces, so the references are
      // looked up
      // without the class-space check.
      ServiceReference<?> caRef = service(context, "org.osgi.service.cm.ConfigurationAdmin");
      Object configAdmin = context.getService(caRef);
      Object configuration =
          configAdmin
              .getClass()
              .getMethod("getConfiguration", String.class, String.class)
              .invoke(configAdmin, UplinkConfig.PID, "?");
      // Property names as Declarative Services derives them from the configuration interface:
      // broker_url() is
      // broker.url, and so on.
      Dictionary<String, Object> properties = new Hashtable<>();
      properties.put("broker.url", broker.url());
      properties.put("account", "acme");
      properties.put("client.id", "box-osgi");
      properties.put("outbox.path", dir.resolve("outbox.db").toString());
      Method update = configuration.getClass().getMethod("update", Dictionary.class);
      update.setAccessible(true);
      update.invoke(configuration, properties);

      assertTrue(
          receiver.await(
              () ->
                  !receiver
                      .arrivals(a -> a.topic().equals("$EDC/acme/box-osgi/MQTT/BIRTH"))
                      .isEmpty(),
              20_000),
          "BIRTH from the component inside the framework");

      ServiceReference<?> sinkRef = service(context, "org.watchpost.api.event.EventSink");
      assertNotNull(sinkRef, "EventSink is registered");
      Object sink = context.getService(sinkRef);
      Bundle api = bundles.get(bundles.size() - 2);
      Class<?> eventType = api.loadClass("org.watchpost.api.event.Event");
      Class<?> priorityType = api.loadClass("org.watchpost.api.event.Priority");
      Object priority = priorityType.getMethod("valueOf", String.class).invoke(null, "EVENT");
      Object event =
          eventType.getConstructors()[0].newInstance(
              "line_crossing",
              "line-1",
              "gate",
              "person",
              5L,
              0.9f,
              null,
              Samples.T0,
              Samples.T0,
              priority,
              Map.of("direction", "in"),
              null);
      sink.getClass().getMethod("publish", eventType).invoke(sink, event);
      assertTrue(
          receiver.await(
              () ->
                  !receiver
                      .arrivals(a -> a.topic().equals("acme/box-osgi/wp/events/gate"))
                      .isEmpty(),
              10_000),
          "the event published through the EventSink service arrives");
      KuraPayload payload =
          receiver.arrivals(a -> a.topic().equals("acme/box-osgi/wp/events/gate")).get(0).payload();
      assertEquals("line_crossing", payload.metric("type"));

      uplink.stop();
      assertTrue(
          receiver.await(
              () ->
                  !receiver.arrivals(a -> a.topic().equals("$EDC/acme/box-osgi/MQTT/DC")).isEmpty(),
              10_000),
          "stopping the bundle sends the disconnect certificate");
    } finally {
      framework.stop();
      framework.waitForStop(10_000);
    }
  }
}
