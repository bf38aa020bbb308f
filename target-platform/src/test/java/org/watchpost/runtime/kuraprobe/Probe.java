// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime.kuraprobe;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.eclipse.kura.cloudconnection.request.RequestHandler;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.eclipse.kura.cloudconnection.request.RequestHandlerRegistry;
import org.eclipse.kura.message.KuraPayload;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.deploymentadmin.BundleInfo;
import org.osgi.service.deploymentadmin.DeploymentAdmin;
import org.osgi.service.deploymentadmin.DeploymentException;
import org.osgi.service.deploymentadmin.DeploymentPackage;
import org.watchpost.runtime.kuraseed.KuraSeeding;

/**
 * Plays Kura's part inside the Kura-shaped framework and checks Watchpost there: registers a
 * CloudPublisher and a RequestHandlerRegistry as Kura's cloud service would, configures the device
 * as an operator would in Kura's UI, installs the .dp through the real Deployment Admin and writes
 * what it saw to the results file (framework property watchpost.probe.out) for KuraCompatibilityIT
 * to judge.
 */
public final class Probe implements BundleActivator {
  static final String PUBLISHER_PID = "watchpost.test.publisher";
  private final TestCloudPublisher publisher = new TestCloudPublisher();
  private final TestRegistry registry = new TestRegistry();
  private final Properties results = new Properties();
  private Thread worker;

  @Override
  public void start(BundleContext context) {
    Hashtable<String, Object> p = new Hashtable<>();
    p.put("kura.service.pid", PUBLISHER_PID);
    context.registerService(
        new String[] {
          CloudPublisher.class.getName(),
          org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher.class.getName()
        },
        publisher,
        p);
    context.registerService(RequestHandlerRegistry.class, registry, null);
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
            },
            "kura-probe");
    worker.start();
  }

  @Override
  public void stop(BundleContext context) throws InterruptedException {
    worker.interrupt();
    worker.join(10_000);
  }

  private void run(BundleContext context) throws Exception {
    ConfigurationAdmin cm = service(context, ConfigurationAdmin.class);
    boolean defaultsOnly =
        Boolean.parseBoolean(context.getProperty("watchpost.probe.defaults.only"));
    if (!defaultsOnly) {
      configure(cm, context);
    }
    KuraSeeding seeding =
        new KuraSeeding(
                context, cm, service(context, org.osgi.service.metatype.MetaTypeService.class))
            .open();
    DeploymentAdmin deploymentAdmin = service(context, DeploymentAdmin.class);
    long start = System.nanoTime();
    try (InputStream in =
        Files.newInputStream(Path.of(context.getProperty("watchpost.probe.dp")))) {
      DeploymentPackage dp = deploymentAdmin.installDeploymentPackage(in);
      results.setProperty("dp.install.ms", Long.toString((System.nanoTime() - start) / 1_000_000));
      List<String> infos = new ArrayList<>();
      for (BundleInfo info : dp.getBundleInfos()) {
        infos.add(info.getSymbolicName() + ":" + info.getVersion());
      }
      results.setProperty("dp.bundles", String.join(",", infos));
      results.setProperty("dp.install.error", "");
    } catch (DeploymentException e) {
      results.setProperty("dp.install.error", "code=" + e.getCode() + " " + e.getMessage());
      return;
    }
    // Bundles: every one ACTIVE (fragments RESOLVED), and so seeded by "Kura".
    waitFor(60_000, () -> notActive(context).isEmpty());
    results.setProperty("seeded.pids", seeding.seededPids());
    results.setProperty(
        "seeded.factory.pids", String.join(",", seeding.completeFactoryInstances(context)));
    results.setProperty("seeding.errors", seeding.errors());
    results.setProperty("bundles.not.active", String.join(",", notActive(context)));
    results.setProperty("bundles.total", Integer.toString(context.getBundles().length));
    if (defaultsOnly) {
      // A vendor installed the .dp and configured nothing: only Kura's seeding. Let every seeded
      // component
      // activate (the camera-less pipeline has nothing to wait for), then say what runs and what is
      // open.
      ServiceComponentRuntime scr = service(context, ServiceComponentRuntime.class);
      // Settled: every seeded configuration applied (the cloud adapter has no configuration, and so
      // no problem to
      // report, until Kura's seeding reaches its PID), so wait for the state the test expects, not
      // just a quiet one.
      waitFor(
          60_000,
          () ->
              componentProblems(scr)
                      .equals(List.of("org.watchpost.kura.internal.KuraCloudComponent state 2"))
                  && activeComponents(scr)
                      .containsAll(
                          List.of(
                              "DetectorComponent",
                              "ModelManagerComponent",
                              "DeviceHealthComponent",
                              "WebComponent",
                              "OpcUaComponent")));
      results.setProperty("components.problems", String.join(";", componentProblems(scr)));
      results.setProperty("components.active", String.join(",", activeComponents(scr)));
      results.setProperty("listening.ports", KuraSeeding.listeningPorts());
      operatorInKurasUi(context, seeding, scr);
      return;
    }
    // Components: wait for the adapter and the model manager's handler to be registered with
    // "Kura".
    waitFor(120_000, () -> registry.handlers.containsKey("MODEL-V1"));
    results.setProperty(
        "registry.ids", String.join(",", new TreeSet<>(registry.handlers.keySet())));
    ServiceComponentRuntime scr = service(context, ServiceComponentRuntime.class);
    waitFor(60_000, () -> componentProblems(scr).isEmpty());
    results.setProperty("components.problems", String.join(";", componentProblems(scr)));
    results.setProperty("components.active", String.join(",", activeComponents(scr)));
    // Events from the camera on vtest, through the publisher.
    waitFor(150_000, () -> count("events") >= 1);
    results.setProperty("messages.events", Long.toString(count("events")));
    results.setProperty("messages.counts", Long.toString(count("counts")));
    results.setProperty("messages.health", Long.toString(count("health")));
    results.setProperty("messages.total", Integer.toString(publisher.messages.size()));
    results.setProperty("listening.ports", KuraSeeding.listeningPorts());
    List<String> problems = new ArrayList<>();
    results.setProperty(
        "configurables", String.join(",", seeding.configurables(context, problems)));
    results.setProperty("configurables.problems", String.join(";", problems));
    for (KuraMessage m : publisher.messages) {
      if ("events".equals(m.getProperties().get("kind"))) {
        results.setProperty("event.camera", String.valueOf(m.getProperties().get("camera")));
        results.setProperty(
            "event.properties", new TreeSet<>(m.getProperties().keySet()).toString());
        KuraPayload payload = m.getPayload();
        results.setProperty("event.metrics", new TreeSet<>(payload.metricNames()).toString());
        results.setProperty("event.type", String.valueOf(payload.getMetric("type")));
        results.setProperty("event.class", String.valueOf(payload.getMetric("class")));
        results.setProperty("event.rule", String.valueOf(payload.getMetric("rule")));
        results.setProperty("event.timestamped", Boolean.toString(payload.getTimestamp() != null));
        break;
      }
    }
    String measure = context.getProperty("watchpost.probe.measure.s");
    if (measure != null) {
      measure(
          Long.parseLong(measure) * 1000,
          Path.of(context.getProperty("watchpost.probe.data"), "summary-cam-kura.json"));
    }
    // A MODEL-V1 request as Kura's cloud service hands it over: args, request.id and requester in
    // the payload.
    RequestHandler handler = registry.handlers.get("MODEL-V1");
    KuraPayload request = new KuraPayload();
    request.setTimestamp(new Date());
    request.addMetric("request.id", "kura-it-1");
    request.addMetric("requester.client.id", "console");
    try {
      KuraMessage reply =
          handler.doGet(
              new RequestHandlerContext(publisher, Map.of()),
              new KuraMessage(request, Map.of("args", List.of("models"))));
      KuraPayload body = reply.getPayload();
      results.setProperty("model.reply.metrics", new TreeSet<>(body.metricNames()).toString());
      results.setProperty("model.reply.active", String.valueOf(body.getMetric("active.name")));
    } catch (KuraException e) {
      results.setProperty("model.reply.error", e.getCode() + " " + e.getMessage());
    }
  }

  /**
   * On Kura's seeded defaults, an operator adds a camera and a rule in Kura's UI
   * (createFactoryConfiguration), then what Kura's UI lists is recorded, and the rule's zone and
   * the detector's threshold are changed as Kura's UI changes them (updateConfiguration, which only
   * reaches a PID a ConfigurableComponent carries) and read back from the running components'
   * properties.
   */
  private void operatorInKurasUi(
      BundleContext context, KuraSeeding seeding, ServiceComponentRuntime scr) throws Exception {
    seeding.createFactoryConfiguration(
        context,
        "org.watchpost.camera",
        "north-gate",
        Map.of(
            "camera.id",
            "north-gate",
            "source",
            context.getProperty("watchpost.probe.video"),
            "max.frames",
            25L));
    seeding.createFactoryConfiguration(
        context,
        "org.watchpost.analytics.rule",
        "gate-zone",
        Map.of(
            "camera.id",
            "north-gate",
            "type",
            "zone_intrusion",
            "points",
            "0.1,0.1 0.5,0.1 0.5,0.5",
            "classes",
            new String[] {"person"}));
    List<String> problems = new ArrayList<>();
    waitFor(
        30_000,
        () -> {
          try {
            List<String> listed = seeding.configurables(context, new ArrayList<>());
            return listed.contains("north-gate") && listed.contains("gate-zone");
          } catch (Exception e) {
            return false;
          }
        });
    results.setProperty(
        "configurables", String.join(",", seeding.configurables(context, problems)));
    results.setProperty("configurables.problems", String.join(";", problems));
    String points = "0.2,0.2 0.6,0.2 0.6,0.6";
    try {
      seeding.updateConfiguration(context, "gate-zone", Map.of("points", points));
      seeding.updateConfiguration(
          context, "org.watchpost.inference", Map.of("score.threshold", 0.55f));
    } catch (Exception e) {
      results.setProperty("update.error", e.toString());
    }
    waitFor(
        30_000,
        () ->
            points.equals(componentProperty(scr, "RuleComponent", "gate-zone", "points"))
                && "0.55"
                    .equals(componentProperty(scr, "DetectorComponent", null, "score.threshold")));
    results.setProperty(
        "update.rule.points", componentProperty(scr, "RuleComponent", "gate-zone", "points"));
    results.setProperty(
        "update.detector.threshold",
        componentProperty(scr, "DetectorComponent", null, "score.threshold"));
  }

  /**
   * A property of the satisfied component (the instance with this kura.service.pid, if given), as
   * SCR holds it: what the component was (re)activated or modified with.
   */
  private static String componentProperty(
      ServiceComponentRuntime scr, String component, String kuraPid, String name) {
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
      if (!d.name.endsWith("." + component)) {
        continue;
      }
      for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
        if ((c.state == ComponentConfigurationDTO.ACTIVE
                || c.state == ComponentConfigurationDTO.SATISFIED)
            && (kuraPid == null
                || kuraPid.equals(c.properties.get(KuraSeeding.KURA_SERVICE_PID)))) {
          return String.valueOf(c.properties.get(name));
        }
      }
    }
    return "(none active)";
  }

  /**
   * For KuraPathBenchmark: lets the clip run to its end (the camera's summary written, or the
   * limit) and the last messages through, then writes every message: kind, camera, timestamp,
   * metrics typed, body length.
   */
  private void measure(long limitMillis, Path summary) throws InterruptedException {
    long start = System.currentTimeMillis();
    waitFor(limitMillis, () -> Files.exists(summary));
    results.setProperty("measure.clip.ended", Boolean.toString(Files.exists(summary)));
    int before = -1;
    while (publisher.messages.size() != before) {
      before = publisher.messages.size();
      Thread.sleep(3000);
    }
    results.setProperty("measure.ms", Long.toString(System.currentTimeMillis() - start));
    int i = 0;
    for (KuraMessage m : publisher.messages) {
      StringBuilder line = new StringBuilder();
      line.append(m.getProperties().get("kind"))
          .append('|')
          .append(m.getProperties().get("camera"))
          .append('|')
          .append(
              m.getPayload().getTimestamp() == null ? 0 : m.getPayload().getTimestamp().getTime())
          .append('|')
          .append(m.getPayload().getBody() == null ? 0 : m.getPayload().getBody().length);
      for (String name : new TreeSet<>(m.getPayload().metricNames())) {
        Object v = m.getPayload().getMetric(name);
        line.append('|')
            .append(name)
            .append('=')
            .append(v.getClass().getSimpleName())
            .append(':')
            .append(v);
      }
      results.setProperty("message." + i++, line.toString());
    }
  }

  private long count(String kind) {
    return publisher.messages.stream()
        .filter(m -> kind.equals(m.getProperties().get("kind")))
        .count();
  }

  /**
   * As an operator sets them in Kura's UI; paths absolute, under the framework's data directory.
   */
  private static void configure(ConfigurationAdmin cm, BundleContext context) throws Exception {
    String data = context.getProperty("watchpost.probe.data");
    update(
        cm.getConfiguration("org.watchpost.kura.cloud", "?"),
        Map.of("CloudPublisher.target", "(kura.service.pid=" + PUBLISHER_PID + ")"));
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
    Map<String, Object> camera =
        new java.util.HashMap<>(
            Map.of(
                "camera.id",
                "cam-kura",
                "source",
                context.getProperty("watchpost.probe.video"),
                "feed.mode",
                "every_frame"));
    if (context.getProperty("watchpost.probe.measure.s") != null) {
      camera.put("summary.file", data + "/summary-cam-kura.json");
    }
    update(cm.getFactoryConfiguration("org.watchpost.camera", "kura", "?"), camera);
    // The demo's rules (bundles/org.watchpost.analytics/config/vtest-rules.json), so that the
    // figures compare.
    update(
        cm.getFactoryConfiguration("org.watchpost.analytics.rule", "main-line", "?"),
        Map.of(
            "camera.id",
            "*",
            "type",
            "line_crossing",
            "points",
            "0.40,0.22 0.40,0.62",
            "classes",
            new String[] {"person", "bicycle"},
            "direction",
            "both",
            "cooldown.s",
            30.0,
            "count.interval.s",
            60));
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
            new String[] {"person", "vehicle"},
            "schedule",
            "always",
            "cooldown.s",
            60.0,
            "count.interval.s",
            60));
  }

  private static void update(Configuration c, Map<String, Object> values)
      throws java.io.IOException {
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

  /** Configured components that are not satisfied (a reference missing, or activation failed). */
  private static List<String> componentProblems(ServiceComponentRuntime scr) {
    List<String> out = new ArrayList<>();
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
      for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
        if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE
            || c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
          out.add(
              d.name
                  + " state "
                  + c.state
                  + (c.failure == null ? "" : " " + c.failure.lines().findFirst().orElse("")));
        }
      }
    }
    return out;
  }

  private static List<String> activeComponents(ServiceComponentRuntime scr) {
    List<String> out = new ArrayList<>();
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
      for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
        if (c.state == ComponentConfigurationDTO.ACTIVE
            || c.state == ComponentConfigurationDTO.SATISFIED) {
          out.add(d.name.substring(d.name.lastIndexOf('.') + 1));
        }
      }
    }
    return out;
  }

  private static <T> T service(BundleContext context, Class<T> type) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      ServiceReference<T> ref = context.getServiceReference(type);
      if (ref != null) {
        return context.getService(ref);
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException(type.getName() + " did not appear");
  }

  private static void waitFor(long millis, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
  }

  private void write(BundleContext context) {
    Path out = Path.of(context.getProperty("watchpost.probe.out"));
    try {
      try (OutputStream o = Files.newOutputStream(out)) {
        results.store(o, "KuraCompatibilityIT probe");
      }
      Files.writeString(Path.of(out + ".done"), "done\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
