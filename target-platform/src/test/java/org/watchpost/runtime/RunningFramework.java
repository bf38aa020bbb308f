// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * The resolved runtime's bundles (target/runbundles) in a real Equinox framework inside the test
 * JVM.
 */
final class RunningFramework implements AutoCloseable {
  final Framework framework;
  final BundleContext context;

  RunningFramework(Path storage, Map<String, String> properties)
      throws BundleException, IOException {
    Map<String, String> config = new HashMap<>(properties);
    config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
    config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
    config.put("ai.djl.offline", "true");
    // As the runnable jar's run properties: Felix HTTP opens no port until the installer's page
    // configures HTTPS.
    config.put("org.apache.felix.http.enable", "false");
    config.put("org.apache.felix.https.enable", "false");
    FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).iterator().next();
    framework = factory.newFramework(config);
    framework.init();
    context = framework.getBundleContext();
    List<Bundle> installed = new ArrayList<>();
    for (Path jar : runBundles()) {
      installed.add(context.installBundle(jar.toUri().toString()));
    }
    framework.start();
    for (Bundle bundle : installed) {
      if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) == null) {
        bundle.start();
      }
    }
  }

  static List<Path> runBundles() throws IOException {
    Path directory =
        Path.of(System.getProperty("watchpost.runbundles")).resolve("export/watchpost");
    try (Stream<Path> files = Files.list(directory)) {
      List<Path> jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
      if (jars.isEmpty()) {
        throw new IllegalStateException(
            "no run bundles in " + directory + "; run the package phase first");
      }
      return jars;
    }
  }

  /** Waits for a service and returns it. */
  Object service(String className, long timeoutMillis)
      throws InterruptedException, InvalidSyntaxException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      // All references, not only class-compatible ones: the test's class path holds its own copies
      // of the
      // service packages, which the framework rightly sees as different classes.
      ServiceReference<?>[] references = context.getAllServiceReferences(className, null);
      if (references != null && references.length > 0) {
        return context.getService(references[0]);
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "service " + className + " did not appear within " + timeoutMillis + " ms");
  }

  @Override
  public void close() throws Exception {
    framework.stop();
    framework.waitForStop(30_000);
  }
}
