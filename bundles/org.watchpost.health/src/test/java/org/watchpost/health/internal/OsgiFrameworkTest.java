// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.pipeline.FrameObserver;
import org.watchpost.api.pipeline.SummaryContributor;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.testing.SharedData;

/**
 * The bundle in a real OSGi framework (Equinox with Felix SCR, Config Admin and Metatype, OpenCV
 * and Gson as bundles): it resolves, its components are configured through Config Admin, its
 * Metatype is published, and real frames through its FrameObserver service raise alarms at a
 * HealthSink service registered by another party. The API packages come from the class path through
 * the system bundle, so the test and the bundle share them.
 */
class OsgiFrameworkTest {

  @Test
  @Timeout(180)
  void theBundleRunsInEquinoxConfiguredThroughConfigAdminAndReportsToHealthSinkServices()
      throws Exception {
    Path storage = SharedData.scratchDirectory("osgi");
    Path baselines = SharedData.scratchDirectory("osgi-baselines");
    Map<String, String> properties = new HashMap<>();
    properties.put(Constants.FRAMEWORK_STORAGE, storage.toString());
    properties.put(
        Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
    properties.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA, exportsOf(HealthSink.class));
    Framework framework =
        ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(properties);
    framework.start();
    try {
      BundleContext context = framework.getBundleContext();
      List<Bundle> runtime = new ArrayList<>();
      for (String type :
          new String[] {
            "org.osgi.util.function.Function",
            "org.osgi.util.promise.Promise",
            "org.osgi.service.component.ComponentContext",
            "org.apache.felix.scr.info.ScrInfo",
            "org.apache.felix.cm.PersistenceManager",
            "org.apache.felix.metatype.MetaData",
            "org.slf4j.Logger",
            "org.slf4j.impl.SimpleLogger",
            "com.google.gson.Gson",
            "nu.pattern.OpenCV"
          }) {
        runtime.add(install(context, type));
      }
      for (Bundle bundle : runtime) {
        bundle.start();
      }
      configure(
          context,
          CameraHealthConfig.PID,
          Map.of("baseline.dir", baselines.toString(), "report.interval.s", 1.0));
      Path thermal = SharedData.scratchDirectory("osgi-thermal");
      Files.createDirectories(thermal.resolve("thermal_zone0"));
      Files.writeString(thermal.resolve("thermal_zone0/type"), "cpu-thermal\n");
      Files.writeString(thermal.resolve("thermal_zone0/temp"), "42000\n");
      configure(
          context,
          DeviceHealthConfig.PID,
          Map.of(
              "report.interval.s",
              0.5,
              "data.dir",
              storage.toString(),
              "thermal.dir",
              thermal.toString()));
      RecordingSink sink = new RecordingSink();
      context.registerService(HealthSink.class, sink, null);

      Bundle health = install(context, CameraHealthComponent.class.getName());
      health.start();
      assertEquals(Bundle.ACTIVE, health.getState());

      // SCR publishes a component's configuration with its service: waiting for it proves Config
      // Admin reached it.
      // Property names follow the DS mapping of the configuration methods: baseline_dir is
      // baseline.dir.
      ServiceTracker<FrameObserver, FrameObserver> observers =
          new ServiceTracker<>(
              context,
              context.createFilter(
                  "(&("
                      + Constants.OBJECTCLASS
                      + "="
                      + FrameObserver.class.getName()
                      + ")(baseline.dir="
                      + baselines
                      + "))"),
              null);
      observers.open();
      FrameObserver observer = observers.waitForService(30_000);
      assertNotNull(observer, "the FrameObserver service of camera health, configured");
      ServiceReference<SummaryContributor> summaryReference =
          context.getServiceReference(SummaryContributor.class);
      SummaryContributor summary = context.getService(summaryReference);
      assertEquals(health, summaryReference.getBundle());

      ClipRun.play(
          observer, "osgi-cam", ClipRun.vtest(), FaultSchedule.parse("black@30-45"), 55_000);

      long deadline = System.currentTimeMillis() + 30_000;
      List<HealthAlarm> alarms = sink.alarms;
      assertEquals(
          List.of(CameraState.BLACK, CameraState.BLACK),
          alarms.stream().map(HealthAlarm::state).toList());
      assertEquals(1, ((List<?>) summary.summary().get("health_alarms")).size());
      while (!Files.exists(new BaselineStore(baselines).fileFor("osgi-cam"))) {
        assertTrue(
            System.currentTimeMillis() < deadline,
            "the learned baseline is written to the configured directory");
        Thread.sleep(100);
      }
      assertTrue(
          sink.reports.stream().anyMatch(r -> r.subject().equals("osgi-cam")), "camera telemetry");
      while (sink.reports.stream().noneMatch(r -> r.subject().equals("device"))) {
        assertTrue(System.currentTimeMillis() < deadline, "a device report within 30 s");
        Thread.sleep(100);
      }
      assertEquals(
          42.0,
          sink.lastReport("device").metrics().get("cpu_temperature_c"),
          "configured thermal directory");

      List<String> attributes = metatypeAttributes(context, health, CameraHealthConfig.PID);
      assertTrue(
          attributes.contains("black.max.luma") && attributes.contains("baseline.dir"),
          attributes.toString());
      assertTrue(
          metatypeAttributes(context, health, DeviceHealthConfig.PID).contains("thermal.dir"));
      observers.close();
    } finally {
      framework.stop();
      framework.waitForStop(30_000);
    }
  }

  /** The bundle (jar or build directory) that holds a class on the test class path. */
  private static Bundle install(BundleContext context, String className) throws Exception {
    Class<?> type = Class.forName(className, false, OsgiFrameworkTest.class.getClassLoader());
    Path location = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    return context.installBundle("reference:" + location.toUri());
  }

  /**
   * The Export-Package header of the API bundle, so that the system bundle exports the same
   * packages.
   */
  private static String exportsOf(Class<?> apiType) throws Exception {
    Path location = Path.of(apiType.getProtectionDomain().getCodeSource().getLocation().toURI());
    Manifest manifest;
    if (Files.isDirectory(location)) {
      try (var in = Files.newInputStream(location.resolve("META-INF/MANIFEST.MF"))) {
        manifest = new Manifest(in);
      }
    } else {
      try (JarFile jar = new JarFile(location.toFile())) {
        manifest = jar.getManifest();
      }
    }
    return manifest.getMainAttributes().getValue("Export-Package");
  }

  /**
   * Config Admin's classes live in its bundle, not on the test class path: it is driven by
   * reflection.
   */
  private static void configure(BundleContext context, String pid, Map<String, Object> values)
      throws Exception {
    Object admin = service(context, "org.osgi.service.cm.ConfigurationAdmin");
    Object configuration =
        admin
            .getClass()
            .getMethod("getConfiguration", String.class, String.class)
            .invoke(admin, pid, "?");
    Dictionary<String, Object> dictionary = new Hashtable<>(values);
    Method update = configuration.getClass().getMethod("update", Dictionary.class);
    update.setAccessible(true);
    update.invoke(configuration, dictionary);
  }

  private static List<String> metatypeAttributes(BundleContext context, Bundle bundle, String pid)
      throws Exception {
    Object metatype = service(context, "org.osgi.service.metatype.MetaTypeService");
    Object information =
        call(metatype, "getMetaTypeInformation", new Class<?>[] {Bundle.class}, bundle);
    Object definition =
        call(
            information,
            "getObjectClassDefinition",
            new Class<?>[] {String.class, String.class},
            pid,
            null);
    Object[] attributes =
        (Object[]) call(definition, "getAttributeDefinitions", new Class<?>[] {int.class}, -1);
    List<String> ids = new ArrayList<>();
    for (Object attribute : attributes) {
      ids.add((String) call(attribute, "getID", new Class<?>[0]));
    }
    return ids;
  }

  private static Object call(Object target, String name, Class<?>[] types, Object... args)
      throws Exception {
    for (Class<?> type : target.getClass().getInterfaces()) {
      try {
        return type.getMethod(name, types).invoke(target, args);
      } catch (NoSuchMethodException notHere) {
        // try the next interface
      }
    }
    Method method = target.getClass().getMethod(name, types);
    method.setAccessible(true);
    return method.invoke(target, args);
  }

  private static Object service(BundleContext context, String className) throws Exception {
    ServiceTracker<Object, Object> tracker =
        new ServiceTracker<>(
            context,
            context.createFilter("(" + Constants.OBJECTCLASS + "=" + className + ")"),
            null);
    tracker.open(true);
    Object service = tracker.waitForService(30_000);
    assertNotNull(service, className);
    return service;
  }
}
