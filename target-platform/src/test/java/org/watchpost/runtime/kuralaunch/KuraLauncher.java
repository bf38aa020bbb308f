// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime.kuralaunch;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * Starts a Kura-shaped framework in a JVM of its own (java -cp EQUINOX_JAR:LAUNCHER_JAR
 * KuraLauncher JOB): the Equinox on the class path is the Kura line's, which the test JVM's own
 * Equinox cannot be. Installs and starts the job's bundles in order (the probe bundle last, which
 * does the checks and writes the results file), waits for the results, stops the framework. Uses
 * only OSGi R7 framework API, which both lines have.
 */
public final class KuraLauncher {
  private KuraLauncher() {}

  public static void main(String[] args) throws Exception {
    Properties job = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      job.load(in);
    }
    Map<String, String> config = new HashMap<>();
    for (String name : job.stringPropertyNames()) {
      config.put(name, job.getProperty(name));
    }
    config.put(Constants.FRAMEWORK_STORAGE, job.getProperty("storage"));
    config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
    Path done = Path.of(job.getProperty("out") + ".done");
    try {
      run(job, config, done);
    } catch (Exception e) {
      // The framework itself failed (a bundle of the line does not resolve): say so, so the test
      // ends at once.
      Properties failed = new Properties();
      failed.setProperty("probe.error", "launcher: " + e);
      try (java.io.OutputStream o = Files.newOutputStream(Path.of(job.getProperty("out")))) {
        failed.store(o, "KuraLauncher");
      }
      Files.writeString(done, "failed\n");
      e.printStackTrace();
      System.exit(2);
    }
  }

  private static void run(Properties job, Map<String, String> config, Path done) throws Exception {
    Framework framework =
        ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(config);
    framework.init();
    BundleContext context = framework.getBundleContext();
    List<Bundle> installed = new ArrayList<>();
    for (String jar : job.getProperty("bundles").split(",")) {
      installed.add(context.installBundle(Path.of(jar).toUri().toString()));
    }
    framework.start();
    for (Bundle bundle : installed) {
      if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
        bundle.start();
      }
    }
    long deadline =
        System.currentTimeMillis() + Long.parseLong(job.getProperty("timeout.ms", "240000"));
    while (!Files.exists(done) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    framework.stop();
    framework.waitForStop(30_000);
    System.exit(Files.exists(done) ? 0 : 3);
  }
}
