// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime.kurawebprobe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.deploymentadmin.DeploymentAdmin;
import org.osgi.service.deploymentadmin.DeploymentException;
import org.osgi.service.http.HttpContext;
import org.osgi.service.http.HttpService;
import org.osgi.service.http.runtime.HttpServiceRuntime;
import org.osgi.service.http.runtime.dto.FailedServletContextDTO;
import org.osgi.service.http.runtime.dto.FailedServletDTO;
import org.osgi.service.http.runtime.dto.RuntimeDTO;
import org.watchpost.runtime.kuraseed.KuraSeeding;

/**
 * Plays Kura's web side inside the Kura-shaped framework for KuraInstallerPageIT: starts the line's
 * Jetty the way Kura's HTTP server manager does (one Equinox Jetty instance, HTTPS on the
 * configured port with the gateway's keystore, no plain HTTP), registers servlets standing in for
 * Kura's UI through the HttpService the way Kura's console does (at "/" and /admin/console),
 * configures Watchpost with the installer's page on Kura's server, installs the .dp through the
 * real Deployment Admin and says when the page is served. The test then talks HTTPS to the
 * framework and ends it by writing the .done file.
 */
public final class WebProbe implements BundleActivator {
  /**
   * The Equinox Jetty bundle's ManagedServiceFactory, which Kura's JettyConfigurator.startServer
   * also feeds.
   */
  static final String JETTY_FACTORY_PID = "org.eclipse.equinox.http.jetty.config";

  public static final String KURA_UI_MARK = "kura-console-stand-in";

  /**
   * Kura's Jetty instance (its HttpService and runtime carry the instance's settings as service
   * properties).
   */
  static final String KURA_SERVER = "(other.info=kura.default)";

  private final Properties results = new Properties();
  private Thread worker;

  @Override
  public void start(BundleContext context) {
    worker =
        new Thread(
            () -> {
              try {
                run(context);
              } catch (Throwable t) {
                results.setProperty("probe.error", t.toString());
              } finally {
                write(context);
              }
              try {
                obeySwitch(context);
              } catch (Exception e) {
                // the framework is stopping
              }
            },
            "kura-web-probe");
    worker.start();
  }

  @Override
  public void stop(BundleContext context) throws InterruptedException {
    worker.interrupt();
    worker.join(10_000);
  }

  private void run(BundleContext context) throws Exception {
    ConfigurationAdmin cm = service(context, ConfigurationAdmin.class);
    Hashtable<String, Object> jetty = new Hashtable<>();
    jetty.put("http.enabled", false);
    jetty.put("https.enabled", true);
    jetty.put("https.host", "127.0.0.1");
    jetty.put("https.port", Integer.valueOf(context.getProperty("watchpost.probe.https.port")));
    jetty.put("ssl.keystore", context.getProperty("watchpost.probe.keystore"));
    jetty.put("ssl.keystoretype", "PKCS12");
    jetty.put("ssl.password", context.getProperty("watchpost.probe.keystore.password"));
    jetty.put("ssl.keypassword", context.getProperty("watchpost.probe.keystore.password"));
    jetty.put("other.info", "kura.default");
    cm.createFactoryConfiguration(JETTY_FACTORY_PID, "?").update(jetty);

    // Kura's console registers its servlets through the HttpService under its own HttpContext (its
    // session
    // security), "/" redirecting to the console; these stand in for them.
    HttpService http = service(context, HttpService.class, KURA_SERVER);
    HttpContext kuraContext = http.createDefaultHttpContext();
    http.registerServlet(
        "/",
        new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest request, HttpServletResponse response)
              throws IOException {
            response.sendRedirect("/admin/console");
          }
        },
        null,
        kuraContext);
    http.registerServlet(
        "/admin/console",
        new HttpServlet() {
          @Override
          protected void doGet(HttpServletRequest request, HttpServletResponse response)
              throws IOException {
            response.setContentType("text/plain");
            response.getWriter().print(KURA_UI_MARK);
          }
        },
        null,
        kuraContext);

    configure(cm, context);
    KuraSeeding seeding =
        new KuraSeeding(
                context, cm, service(context, org.osgi.service.metatype.MetaTypeService.class))
            .open();
    DeploymentAdmin deploymentAdmin = service(context, DeploymentAdmin.class);
    long start = System.nanoTime();
    try (InputStream in =
        Files.newInputStream(Path.of(context.getProperty("watchpost.probe.dp")))) {
      deploymentAdmin.installDeploymentPackage(in);
      results.setProperty("dp.install.ms", Long.toString((System.nanoTime() - start) / 1_000_000));
      results.setProperty("dp.install.error", "");
    } catch (DeploymentException e) {
      results.setProperty("dp.install.error", "code=" + e.getCode() + " " + e.getMessage());
      return;
    }
    waitFor(60_000, () -> notActive(context).isEmpty());
    results.setProperty("bundles.not.active", String.join(",", notActive(context)));
    results.setProperty("seeded.pids", seeding.seededPids());
    results.setProperty("seeding.errors", seeding.errors());
    waitFor(
        120_000,
        () ->
            context.getServiceReferences(
                    javax.servlet.Servlet.class.getName(),
                    "(osgi.http.whiteboard.servlet.name=watchpost-installer-page)")
                != null);
    HttpServiceRuntime runtime = service(context, HttpServiceRuntime.class, KURA_SERVER);
    waitFor(
        10_000,
        () -> servedContexts(runtime.getRuntimeDTO()).contains("org.watchpost.web:/watchpost"));
    RuntimeDTO dto = runtime.getRuntimeDTO();
    results.setProperty("http.contexts", String.join(",", servedContexts(dto)));
    List<String> failed = new ArrayList<>();
    for (FailedServletDTO f : dto.failedServletDTOs) {
      failed.add("servlet " + f.name + " reason " + f.failureReason);
    }
    for (FailedServletContextDTO f : dto.failedServletContextDTOs) {
      failed.add("context " + f.name + " reason " + f.failureReason);
    }
    results.setProperty("http.failed", String.join(";", failed));
    results.setProperty("http.implementation", implementation(context));
    org.osgi.service.cm.Configuration[] felixHttp =
        cm.listConfigurations("(service.pid=org.apache.felix.http)");
    results.setProperty(
        "felix.http.configured", Boolean.toString(felixHttp != null && felixHttp.length > 0));
    results.setProperty("listening.ports", KuraSeeding.listeningPorts());
  }

  private static List<String> servedContexts(RuntimeDTO dto) {
    List<String> out = new ArrayList<>();
    for (var c : dto.servletContextDTOs) {
      if (c.servletDTOs.length > 0) {
        out.add(c.name + ":" + (c.contextPath.isEmpty() ? "/" : c.contextPath));
      }
    }
    return out;
  }

  private static String implementation(BundleContext context) {
    List<String> out = new ArrayList<>();
    for (Bundle b : context.getBundles()) {
      String n = b.getSymbolicName();
      if (n != null
          && (n.startsWith("org.eclipse.equinox.http") || n.equals("org.eclipse.jetty.server"))) {
        out.add(n + ":" + b.getVersion());
      }
    }
    return String.join(",", out);
  }

  /**
   * For the measurement of KuraInstallerPageIT: switches the page on or off as an operator would in
   * Kura (org.watchpost.web enabled) when the test writes "true" or "false" to OUT.switch, and
   * answers in OUT.switched.
   */
  private static void obeySwitch(BundleContext context) throws Exception {
    Path command = Path.of(context.getProperty("watchpost.probe.out") + ".switch");
    Path answer = Path.of(context.getProperty("watchpost.probe.out") + ".switched");
    ConfigurationAdmin cm = service(context, ConfigurationAdmin.class);
    while (!Thread.currentThread().isInterrupted()) {
      if (Files.exists(command)) {
        boolean enabled = Boolean.parseBoolean(Files.readString(command).strip());
        Files.delete(command);
        Configuration web = cm.getConfiguration("org.watchpost.web", "?");
        Dictionary<String, Object> p = web.getProperties();
        p.put("enabled", enabled);
        web.update(p);
        waitFor(
            30_000,
            () ->
                (context.getServiceReferences(
                            javax.servlet.Servlet.class.getName(),
                            "(osgi.http.whiteboard.servlet.name=watchpost-installer-page)")
                        != null)
                    == enabled);
        Files.writeString(answer, Boolean.toString(enabled));
      }
      Thread.sleep(100);
    }
  }

  /**
   * As an operator sets them in Kura's UI; paths absolute, under the framework's data directory.
   */
  private static void configure(ConfigurationAdmin cm, BundleContext context) throws Exception {
    String data = context.getProperty("watchpost.probe.data");
    update(
        cm.getConfiguration("org.watchpost.inference", "?"),
        Map.of(
            "model.manifest", context.getProperty("watchpost.probe.manifest"), "warmup.runs", 1));
    update(
        cm.getConfiguration("org.watchpost.models", "?"),
        Map.of(
            "state.dir",
            data + "/models",
            "trusted.keys.dir",
            context.getProperty("watchpost.probe.keys")));
    update(cm.getConfiguration("org.watchpost.health.device", "?"), Map.of("data.dir", data));
    update(
        cm.getConfiguration("org.watchpost.health.camera", "?"),
        Map.of("baseline.dir", data + "/health/baselines"));
    update(
        cm.getFactoryConfiguration("org.watchpost.camera", "kura", "?"),
        Map.of(
            "camera.id",
            "cam-kura",
            "source",
            context.getProperty("watchpost.probe.video"),
            "realtime",
            true,
            "loop",
            true));
    update(
        cm.getFactoryConfiguration("org.watchpost.analytics.rule", "lawn", "?"),
        Map.of(
            "camera.id",
            "*",
            "type",
            "zone_intrusion",
            "points",
            "0.0,0.47 0.30,0.50 0.55,0.62 0.85,0.80 0.85,1.0 0.0,1.0",
            "classes",
            new String[] {"person"},
            "cooldown.s",
            60.0));
    // The page on Kura's web server: Kura's port and keystore, not a server of its own.
    // manage.server is left to
    // Kura's seeding from the Metatype (true): inside Kura the page must not configure one all the
    // same.
    update(cm.getConfiguration("org.watchpost.web", "?"), Map.of("state.dir", data + "/web"));
  }

  private static void update(Configuration c, Map<String, Object> values) throws IOException {
    Dictionary<String, Object> d = new Hashtable<>(values);
    c.update(d);
  }

  private static List<String> notActive(BundleContext context) {
    List<String> out = new ArrayList<>();
    for (Bundle b : context.getBundles()) {
      boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
      if (b.getState() != (fragment ? Bundle.RESOLVED : Bundle.ACTIVE)) {
        out.add(b.getSymbolicName() + ":" + b.getState());
      }
    }
    return out;
  }

  private static <T> T service(BundleContext context, Class<T> type) throws Exception {
    return service(context, type, null);
  }

  private static <T> T service(BundleContext context, Class<T> type, String filter)
      throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      for (ServiceReference<T> ref : context.getServiceReferences(type, filter)) {
        return context.getService(ref);
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(type.getName() + " " + filter + " did not appear");
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  private static void waitFor(long millis, Condition condition) throws Exception {
    long deadline = System.currentTimeMillis() + millis;
    while (!condition.holds() && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
  }

  /**
   * The results, moved into place whole: the test reads them while the framework goes on serving.
   */
  private void write(BundleContext context) {
    Path out = Path.of(context.getProperty("watchpost.probe.out"));
    Path partial = Path.of(out + ".partial");
    try {
      try (OutputStream o = Files.newOutputStream(partial)) {
        results.store(o, "KuraInstallerPageIT probe");
      }
      Files.move(partial, out, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
