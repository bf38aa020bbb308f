// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.servlet.Servlet;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.context.ServletContextHelper;
import org.osgi.service.http.whiteboard.HttpWhiteboardConstants;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.health.BaselineViews;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.health.MetricsProvider;
import org.watchpost.api.host.HostFramework;
import org.watchpost.api.login.LoginThrottle;
import org.watchpost.api.pipeline.CameraStatusProvider;
import org.watchpost.api.pipeline.LiveTap;
import org.watchpost.api.pipeline.RuleChecker;
import org.watchpost.api.pipeline.SummaryContributor;

/**
 * The installer's page: when enabled, makes (or loads) the device's certificate and login, points
 * the web server at them, and registers the page with the HTTP Whiteboard, the live view with the
 * pipelines and a health sink that keeps the latest state of each camera. When disabled it
 * registers nothing and closes the port it manages. Like the OPC UA server, a network service that
 * runs only when configured: the distribution's default configuration has it, the test and
 * simulator runtimes do not.
 */
@Component(
    immediate = true,
    configurationPid = WebConfig.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = WebConfig.class)
public final class WebComponent implements PageServlet.Device, HealthSink {
  private static final Logger LOG = LoggerFactory.getLogger(WebComponent.class);
  static final String FELIX_HTTP_PID = "org.apache.felix.http";
  static final String PATH = "/watchpost";
  static final String CONTEXT_NAME = "org.watchpost.web";
  private static final int MAX_SUBJECTS = 64;
  private static final int MAX_ALARMS_PER_CAMERA = 16;

  private final List<CameraStatusProvider> cameras = new CopyOnWriteArrayList<>();
  private final List<MetricsProvider> metrics = new CopyOnWriteArrayList<>();
  private final List<SummaryContributor> summaries = new CopyOnWriteArrayList<>();

  /** The uplink's byte count at the last health request, for the rate now: {bytes, nanos}. */
  private final long[] lastUplink = {-1, 0};

  private final Map<String, Map<String, Object>> reports = new ConcurrentHashMap<>();
  private final Map<String, Map<String, HealthAlarm>> alarms = new ConcurrentHashMap<>();
  private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
  private final ConfigurationAdmin configurationAdmin;
  private volatile RuleChecker ruleChecker;
  private volatile BaselineViews baselineViews;
  private LiveFrames live;
  private volatile SavedRules savedRules;

  @Activate
  public WebComponent(
      BundleContext context, WebConfig config, @Reference ConfigurationAdmin configurationAdmin)
      throws IOException {
    this.configurationAdmin = configurationAdmin;
    // Kura seeds every PID from its Metatype defaults (manage.server=true); its own web server
    // serves the page.
    boolean manageServer = config.manage_server() && !HostFramework.ownedByHost(context);
    if (config.manage_server() && !manageServer) {
      LOG.info(
          "web: the framework is Kura's; its web server serves the page, so manage.server is not acted on");
    }
    if (!config.enabled()) {
      LOG.info("web: the installer's page is off (org.watchpost.web enabled=false)");
      if (manageServer) {
        configureServer(null, config);
      }
      return;
    }
    org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
    SecureRandom random = new SecureRandom();
    Path state = HostFramework.dataPath(context, config.state_dir());
    Credential credential =
        Credential.loadOrCreate(state.resolve("credential"), random, System.out);
    if (manageServer) {
      DeviceCertificate certificate =
          config.tls_keystore().isBlank()
              ? DeviceCertificate.loadOrCreate(state, DeviceCertificate.hostname(), random)
              : null;
      configureServer(certificate, config);
    }
    savedRules = new SavedRules(state.resolve("rules.json"));
    RuleChecker checker = ruleChecker;
    if (checker != null) {
      savedRules.apply(configurationAdmin, checker.factoryPid());
    }
    live = new LiveFrames(System::nanoTime);
    live.configure(
        config.live_fps(),
        config.live_linger_s(),
        config.live_max_width(),
        config.live_jpeg_quality());
    PageServlet servlet =
        new PageServlet(
            new SourceFilter(config.allowed_sources()),
            new Sessions(
                random,
                TimeUnit.SECONDS.toNanos(config.session_idle_s()),
                config.session_max(),
                System::nanoTime),
            new LoginThrottle(
                config.login_max_failures(),
                TimeUnit.SECONDS.toNanos(config.login_window_s()),
                config.login_max_sources(),
                System::nanoTime),
            credential,
            live,
            this);
    // A servlet context of its own at /watchpost: beside whatever else the web server serves
    // (inside Kura its UI,
    // registered through the HttpService at "/" and /admin), never in another context's way nor
    // under its security.
    Hashtable<String, Object> contextProperties = new Hashtable<>();
    contextProperties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME, CONTEXT_NAME);
    contextProperties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_PATH, PATH);
    registrations.add(
        context.registerService(
            ServletContextHelper.class,
            new ServletContextHelper(context.getBundle()) {},
            contextProperties));
    Hashtable<String, Object> servletProperties = new Hashtable<>();
    servletProperties.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, "/*");
    servletProperties.put(
        HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_NAME, "watchpost-installer-page");
    servletProperties.put(
        HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_SELECT,
        "(" + HttpWhiteboardConstants.HTTP_WHITEBOARD_CONTEXT_NAME + "=" + CONTEXT_NAME + ")");
    registrations.add(context.registerService(Servlet.class, servlet, servletProperties));
    registrations.add(context.registerService(LiveTap.class, live, null));
    registrations.add(context.registerService(HealthSink.class, this, null));
    // Someone else (the seed file, applied at every start) changed a rule the installer saved:
    // theirs goes.
    registrations.add(
        context.registerService(
            ConfigurationListener.class,
            event -> {
              RuleChecker current = ruleChecker;
              String pid = event.getPid();
              if (current != null
                  && pid.startsWith(current.factoryPid() + "~")
                  && savedRules.has(pid.substring(pid.indexOf('~') + 1))) {
                int changed = savedRules.apply(configurationAdmin, current.factoryPid());
                if (changed > 0) {
                  LOG.info(
                      "web: {} rule(s) saved on the page applied again over the seed configuration",
                      changed);
                }
              }
            },
            null));
    LOG.info("web: the installer's page is served at https://<device>:{}{}/", config.port(), PATH);
  }

  /**
   * Felix HTTP reads its settings from this PID; it is written only when they differ, since every
   * update restarts the server. Null certificate and disabled: the server keeps no port open.
   */
  private void configureServer(DeviceCertificate certificate, WebConfig config) throws IOException {
    Hashtable<String, Object> wanted = new Hashtable<>();
    wanted.put("org.apache.felix.http.enable", false);
    wanted.put("org.apache.felix.http.jetty.sendServerHeader", false);
    boolean https = config.enabled() && (certificate != null || !config.tls_keystore().isBlank());
    wanted.put("org.apache.felix.https.enable", https);
    if (https) {
      wanted.put("org.osgi.service.http.port.secure", config.port());
      wanted.put("org.apache.felix.http.host", config.bind_address());
      wanted.put(
          "org.apache.felix.https.keystore",
          certificate != null
              ? certificate.keystore().toString()
              : Path.of(config.tls_keystore()).toAbsolutePath().toString());
      String password =
          certificate != null ? certificate.password() : config.tls_keystore_password();
      wanted.put("org.apache.felix.https.keystore.password", password);
      wanted.put("org.apache.felix.https.keystore.key.password", password);
      wanted.put("org.apache.felix.https.jetty.protocols.excluded", "SSLv3,TLSv1,TLSv1.1");
    }
    Configuration server = configurationAdmin.getConfiguration(FELIX_HTTP_PID, "?");
    Dictionary<String, Object> current = server.getProperties();
    boolean same = current != null;
    for (String key : wanted.keySet()) {
      same =
          same && Objects.equals(String.valueOf(wanted.get(key)), String.valueOf(current.get(key)));
    }
    if (!same) {
      server.update(wanted);
    }
  }

  @Deactivate
  void deactivate() {
    for (ServiceRegistration<?> registration : registrations) {
      try {
        registration.unregister();
      } catch (IllegalStateException e) {
        // already gone with the bundle
      }
    }
    registrations.clear();
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addCamera(CameraStatusProvider provider) {
    cameras.add(provider);
  }

  void removeCamera(CameraStatusProvider provider) {
    cameras.remove(provider);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addMetrics(MetricsProvider provider) {
    metrics.add(provider);
  }

  void removeMetrics(MetricsProvider provider) {
    metrics.remove(provider);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addSummary(SummaryContributor contributor) {
    summaries.add(contributor);
  }

  void removeSummary(SummaryContributor contributor) {
    summaries.remove(contributor);
  }

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void setRuleChecker(RuleChecker checker) {
    ruleChecker = checker;
    SavedRules saved = savedRules;
    if (saved != null) {
      saved.apply(configurationAdmin, checker.factoryPid());
    }
  }

  void unsetRuleChecker(RuleChecker checker) {
    if (ruleChecker == checker) {
      ruleChecker = null;
    }
  }

  @Override
  public List<CameraStatusProvider> cameras() {
    return cameras;
  }

  @Override
  public RuleChecker rules() {
    return ruleChecker;
  }

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void setBaselineViews(BaselineViews views) {
    baselineViews = views;
  }

  void unsetBaselineViews(BaselineViews views) {
    if (baselineViews == views) {
      baselineViews = null;
    }
  }

  @Override
  public BaselineViews baselines() {
    return baselineViews;
  }

  @Override
  public SavedRules savedRules() {
    return savedRules;
  }

  @Override
  public ConfigurationAdmin configurationAdmin() {
    return configurationAdmin;
  }

  @Override
  public void alarm(HealthAlarm alarm) {
    if (alarms.size() >= MAX_SUBJECTS && !alarms.containsKey(alarm.cameraId())) {
      return;
    }
    Map<String, HealthAlarm> mine =
        alarms.computeIfAbsent(alarm.cameraId(), k -> new ConcurrentHashMap<>());
    if (alarm.raised()) {
      if (mine.size() < MAX_ALARMS_PER_CAMERA) {
        mine.put(alarm.state().name(), alarm);
      }
    } else {
      mine.remove(alarm.state().name());
    }
  }

  @Override
  public void report(HealthReport report) {
    if (reports.size() < MAX_SUBJECTS || reports.containsKey(report.subject())) {
      reports.put(report.subject(), report.metrics());
    }
  }

  /**
   * Bytes per second on the uplink now (from its byte count between two looks at the page, at least
   * 2 s apart) against the configured budget: what the uplink already counts, read through its run
   * summary.
   */
  private void uplinkRate(Map<String, Object> device) {
    for (SummaryContributor contributor : summaries) {
      Object bytes;
      try {
        bytes = contributor.summary().get("uplink_bytes");
      } catch (RuntimeException e) {
        continue;
      }
      if (bytes instanceof Number n) {
        long now = System.nanoTime();
        synchronized (lastUplink) {
          if (lastUplink[0] >= 0 && now - lastUplink[1] >= 2_000_000_000L) {
            device.put(
                "uplink_bits_per_s_now",
                Math.round((n.longValue() - lastUplink[0]) * 8 / ((now - lastUplink[1]) / 1e9) * 10)
                    / 10.0);
          }
          if (lastUplink[0] < 0 || now - lastUplink[1] >= 2_000_000_000L) {
            lastUplink[0] = n.longValue();
            lastUplink[1] = now;
          }
        }
        device.put("uplink_bytes", n.longValue());
      }
    }
    try {
      Configuration[] uplink =
          configurationAdmin.listConfigurations("(service.pid=org.watchpost.uplink)");
      Object budget =
          uplink == null || uplink[0].getProperties() == null
              ? null
              : uplink[0].getProperties().get("budget.bits.per.s");
      device.put("budget_bits_per_s", budget == null ? "none" : budget);
    } catch (IOException | org.osgi.framework.InvalidSyntaxException e) {
      // left out: a metric that cannot be read is absent
    }
  }

  @Override
  public Map<String, Object> health() {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, Object> device = new LinkedHashMap<>(reports.getOrDefault("device", Map.of()));
    for (MetricsProvider provider : metrics) {
      try {
        device.putAll(provider.metrics());
      } catch (RuntimeException e) {
        LOG.debug("web: metrics provider {} failed: {}", provider, e.toString());
      }
    }
    uplinkRate(device);
    out.put("device", device);
    Map<String, Object> perCamera = new LinkedHashMap<>();
    for (CameraStatusProvider provider : cameras) {
      var s = provider.cameraStatus();
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("source", s.source().state().name());
      c.put("fps", Math.round(s.framesPerSecond() * 10) / 10.0);
      c.put(
          "inference_ms",
          Double.isNaN(s.inferenceMillis()) ? null : Math.round(s.inferenceMillis() * 10) / 10.0);
      List<Map<String, Object>> raised = new ArrayList<>();
      alarms
          .getOrDefault(s.cameraId(), Map.of())
          .values()
          .forEach(
              a ->
                  raised.add(
                      Map.of(
                          "state",
                          a.state().name(),
                          "reason",
                          a.reason() == null ? "" : a.reason())));
      c.put("alarms", raised);
      c.put("state", raised.isEmpty() ? "OK" : raised.get(0).get("state"));
      c.put("report", reports.getOrDefault(s.cameraId(), Map.of()));
      BaselineViews views = baselineViews;
      BaselineViews.LearnedView reference = views == null ? null : views.reference(s.cameraId());
      c.put("baseline", reference == null ? Map.of() : reference.figures());
      perCamera.put(s.cameraId(), c);
    }
    out.put("cameras", perCamera);
    if (live != null) {
      out.put(
          "live",
          Map.of(
              "watched_cameras",
              live.watched(),
              "frames_rendered",
              live.framesRendered.sum(),
              "bytes_rendered",
              live.bytesRendered.sum()));
    }
    return out;
  }
}
