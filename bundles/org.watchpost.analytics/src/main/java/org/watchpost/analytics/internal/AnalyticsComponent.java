// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.analytics.internal.rules.InvalidRuleException;
import org.watchpost.analytics.internal.rules.Rule;
import org.watchpost.analytics.internal.rules.RuleParser;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.event.Priority;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.pipeline.CameraAnalytics;
import org.watchpost.api.pipeline.CameraAnalyticsFactory;
import org.watchpost.api.pipeline.CameraControl;
import org.watchpost.api.pipeline.RuleChecker;
import org.watchpost.api.pipeline.RuleShape;
import org.watchpost.api.pipeline.SummaryContributor;

/**
 * The analytics service: makes each camera's analytics, checks the configured rules (a bad rule is
 * rejected with its id and reason, the others stay in force), reports degraded mode to health, and
 * adds the analytics figures to the run summary.
 */
@Component(
    service = {
      CameraAnalyticsFactory.class,
      CameraControl.class,
      SummaryContributor.class,
      RuleChecker.class
    },
    configurationPid = AnalyticsConfig.PID)
@Designate(ocd = AnalyticsConfig.class)
public final class AnalyticsComponent
    implements CameraAnalyticsFactory, CameraControl, SummaryContributor, RuleChecker {
  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsComponent.class);

  private final AnalyticsStats stats = new AnalyticsStats();
  private final CameraControls controls = new CameraControls();
  private final List<RuleSource> sources = new CopyOnWriteArrayList<>();
  private final List<HealthSink> healthSinks = new CopyOnWriteArrayList<>();
  private final List<EventSink> eventSinks = new CopyOnWriteArrayList<>();
  private volatile AnalyticsSettings settings;
  private volatile RuleBook book = RuleBook.EMPTY;

  @Activate
  public AnalyticsComponent(AnalyticsConfig config) {
    org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
    this.settings = AnalyticsSettings.from(config);
  }

  @Modified
  void modified(AnalyticsConfig config) {
    this.settings = AnalyticsSettings.from(config);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addRule(RuleSource source) {
    sources.add(source);
    rebuild();
  }

  void removeRule(RuleSource source) {
    sources.remove(source);
    rebuild();
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addHealthSink(HealthSink sink) {
    healthSinks.add(sink);
  }

  void removeHealthSink(HealthSink sink) {
    healthSinks.remove(sink);
  }

  /**
   * Where an operator's arm or disarm goes (the uplink, OPC UA); rule events go through the
   * pipeline instead.
   */
  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addEventSink(EventSink sink) {
    eventSinks.add(sink);
  }

  void removeEventSink(EventSink sink) {
    eventSinks.remove(sink);
  }

  private synchronized void rebuild() {
    List<RuleSource> sorted = new ArrayList<>(sources);
    sorted.sort(Comparator.comparing(RuleSource::pid));
    RuleBook next = build(sorted.stream().map(RuleSource::input).toList());
    next.rejected()
        .forEach(
            (id, reason) -> {
              if (!reason.equals(book.rejected().get(id))) {
                LOG.error("rule '{}' rejected: {}", id, reason);
              }
            });
    book = next;
  }

  /**
   * Checks every rule; bad ones are listed with their reason and left out, the rest are in force.
   */
  static RuleBook build(List<RuleParser.Input> inputs) {
    List<Rule> rules = new ArrayList<>();
    Map<String, String> rejected = new LinkedHashMap<>();
    for (RuleParser.Input input : inputs) {
      try {
        Rule rule = RuleParser.parse(input);
        Rule clash =
            rules.stream()
                .filter(
                    r ->
                        r.id().equals(rule.id())
                            && (r.cameraId().equals(rule.cameraId())
                                || r.cameraId().equals("*")
                                || rule.cameraId().equals("*")))
                .findFirst()
                .orElse(null);
        if (clash != null) {
          throw new InvalidRuleException(
              rule.id(), "another rule of camera " + clash.cameraId() + " has the same id");
        }
        rules.add(rule);
      } catch (InvalidRuleException e) {
        rejected.put(e.ruleId(), e.reason());
      }
    }
    return new RuleBook(rules, rejected);
  }

  RuleBook ruleBook() {
    return book;
  }

  @Override
  public CameraAnalytics create(String cameraId) {
    return new CameraAnalyticsEngine(
        cameraId, settings, () -> book, stats, this::reportDegraded, controls);
  }

  @Override
  public boolean armed(String cameraId) {
    return controls.armed(cameraId);
  }

  @Override
  public void setArmed(String cameraId, boolean armed) {
    setArmed(cameraId, armed, "unnamed caller");
  }

  /**
   * Switching intrusion rules off must never be silent: every call goes upstream as an {@code
   * armed} or {@code disarmed} event of alarm priority, with who asked, whether it changed
   * anything, and when.
   */
  @Override
  public void setArmed(String cameraId, boolean armed, String requestedBy) {
    boolean changed = armed != controls.armed(cameraId);
    controls.setArmed(cameraId, armed);
    String by =
        requestedBy == null || requestedBy.isBlank()
            ? "unnamed caller"
            : requestedBy.length() > 200 ? requestedBy.substring(0, 200) : requestedBy;
    LOG.warn(
        "camera {}: rules {} by {}{}",
        cameraId,
        armed ? "armed" : "disarmed (they count but raise no events)",
        by,
        changed ? "" : " (no change)");
    long now = System.currentTimeMillis();
    Event event =
        new Event(
            armed ? "armed" : "disarmed",
            "*",
            cameraId,
            "",
            -1,
            1f,
            null,
            now,
            now,
            Priority.ALARM,
            Map.of(
                "requested_by",
                by,
                "armed",
                Boolean.toString(armed),
                "changed",
                Boolean.toString(changed)),
            null);
    for (EventSink sink : eventSinks) {
      try {
        sink.publish(event);
      } catch (RuntimeException e) {
        LOG.warn(
            "event sink {} refused the {} event of camera {}: {}",
            sink,
            event.type(),
            cameraId,
            e.toString());
      }
    }
  }

  @Override
  public CompletionStage<Void> resetCounters(String cameraId) {
    return controls.resetCounters(cameraId);
  }

  private void reportDegraded(
      String cameraId, boolean degraded, long intervalMillis, double load, long nowMillis) {
    HealthReport report =
        new HealthReport(
            cameraId,
            nowMillis,
            Map.of(
                "analytics_degraded",
                degraded,
                "analytics_detect_interval_ms",
                intervalMillis,
                "analytics_load",
                Math.round(load * 100) / 100.0));
    for (HealthSink sink : healthSinks) {
      sink.report(report);
    }
  }

  @Override
  public String factoryPid() {
    return RuleConfig.PID;
  }

  @Override
  public String problem(String name, Map<String, Object> properties) {
    return RuleChecks.problem(name, properties, List.copyOf(sources));
  }

  @Override
  public List<RuleShape> rules(String cameraId) {
    return book.rules().stream().filter(r -> r.appliesTo(cameraId)).map(RuleChecks::shape).toList();
  }

  @Override
  public Map<String, String> rejected() {
    return book.rejected();
  }

  @Override
  public Map<String, Object> summary() {
    return stats.summary(book);
  }
}
