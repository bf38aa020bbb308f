// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.frame.CaptureService;
import org.watchpost.api.frame.FeedMode;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.frame.SourceUris;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.health.MetricsProvider;
import org.watchpost.api.host.HostFramework;
import org.watchpost.api.pipeline.CameraAnalyticsFactory;
import org.watchpost.api.pipeline.CameraStatus;
import org.watchpost.api.pipeline.CameraStatusProvider;
import org.watchpost.api.pipeline.FrameObserver;
import org.watchpost.api.pipeline.LiveTap;
import org.watchpost.api.pipeline.SummaryContributor;
import org.watchpost.faults.FaultSchedule;

/**
 * Runs the pipeline of one configured camera. Analytics, event sinks and frame observers are
 * optional by default; a deployment that must not start a camera without them (or lose its first
 * events to a sink that is not bound yet) sets {@code analytics.cardinality.minimum = 1}, {@code
 * eventSinks.cardinality.minimum = 1} and {@code frameObservers.cardinality.minimum = 1} in the
 * camera's configuration.
 */
@Component(
    service = {MetricsProvider.class, CameraStatusProvider.class, PipelineProgress.class},
    configurationPid = CameraConfig.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = CameraConfig.class, factory = true)
public final class CameraPipelineComponent
    implements PipelineServices, MetricsProvider, CameraStatusProvider, PipelineProgress {
  private static final Logger LOG = LoggerFactory.getLogger(CameraPipelineComponent.class);

  private final List<EventSink> eventSinks = new CopyOnWriteArrayList<>();
  private final List<FrameObserver> frameObservers = new CopyOnWriteArrayList<>();
  private final List<LiveTap> liveTaps = new CopyOnWriteArrayList<>();
  private final List<SummaryContributor> summaryContributors = new CopyOnWriteArrayList<>();
  private final List<HealthSink> healthSinks = new CopyOnWriteArrayList<>();
  private final BundleContext context;
  private final CameraConfig config;
  private final CameraPipeline pipeline;

  @Activate
  public CameraPipelineComponent(
      BundleContext context,
      CameraConfig config,
      @Reference(name = "capture") CaptureService capture,
      @Reference(name = "detector") Detector detector,
      @Reference(
              name = "analytics",
              cardinality = ReferenceCardinality.OPTIONAL,
              policyOption = ReferencePolicyOption.GREEDY)
          CameraAnalyticsFactory analytics) {
    this.context = context;
    this.config = config;
    String cameraId = require(config.camera_id(), "camera_id");
    String source = require(config.source(), "source");
    FeedMode mode =
        switch (config.feed_mode().toLowerCase(Locale.ROOT)) {
          case "newest_wins" -> FeedMode.NEWEST_WINS;
          case "every_frame" -> FeedMode.EVERY_FRAME;
          default ->
              throw new IllegalArgumentException(
                  "camera "
                      + cameraId
                      + ": feed_mode must be newest_wins or every_frame, was '"
                      + config.feed_mode()
                      + "'");
        };
    if (config.max_frames() < 0) {
      throw new IllegalArgumentException(
          "camera " + cameraId + ": max_frames must not be negative");
    }
    if (!(config.max_seconds() >= 0) || Double.isInfinite(config.max_seconds())) {
      throw new IllegalArgumentException(
          "camera "
              + cameraId
              + ": max_seconds must be a finite number >= 0, was "
              + config.max_seconds());
    }
    RunLimit limit = new RunLimit(config.max_frames(), Math.round(config.max_seconds() * 1000));
    SourceSpec spec = new SourceSpec(cameraId, source, config.loop(), config.realtime());
    FaultSchedule faults;
    try {
      faults =
          config.faults().isBlank() ? FaultSchedule.NONE : FaultSchedule.parse(config.faults());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("camera " + cameraId + ": faults: " + e.getMessage(), e);
    }
    Supervision supervision;
    try {
      supervision =
          Supervision.ofSeconds(
              config.restart_delay_s(),
              config.restart_max_delay_s(),
              config.restart_reset_after_s());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("camera " + cameraId + ": " + e.getMessage(), e);
    }
    pipeline =
        new CameraPipeline(
            cameraId,
            spec,
            faults,
            mode,
            limit,
            config.print_detections(),
            capture,
            detector,
            analytics == null ? null : () -> analytics.create(cameraId),
            this,
            this::finished,
            supervision,
            CameraPipeline.HALT);
    pipeline.start();
    LOG.info(
        "camera {} started on {} ({}{})",
        cameraId,
        SourceUris.redact(source),
        mode.name().toLowerCase(Locale.ROOT),
        analytics == null ? ", no analytics: detector on every frame" : "");
  }

  private static String require(String value, String property) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          "camera configuration " + CameraConfig.PID + ": " + property + " must be set");
    }
    return value;
  }

  @Reference(
      name = "eventSinks",
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addEventSink(EventSink sink) {
    eventSinks.add(sink);
  }

  void removeEventSink(EventSink sink) {
    eventSinks.remove(sink);
  }

  @Reference(
      name = "frameObservers",
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addFrameObserver(FrameObserver observer) {
    frameObservers.add(observer);
  }

  void removeFrameObserver(FrameObserver observer) {
    frameObservers.remove(observer);
  }

  @Reference(
      name = "liveTaps",
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addLiveTap(LiveTap tap) {
    liveTaps.add(tap);
  }

  void removeLiveTap(LiveTap tap) {
    liveTaps.remove(tap);
  }

  @Override
  public List<LiveTap> liveTaps() {
    return liveTaps;
  }

  @Reference(
      name = "summaryContributors",
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addSummaryContributor(SummaryContributor contributor) {
    summaryContributors.add(contributor);
  }

  void removeSummaryContributor(SummaryContributor contributor) {
    summaryContributors.remove(contributor);
  }

  @Reference(
      name = "healthSinks",
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC)
  void addHealthSink(HealthSink sink) {
    healthSinks.add(sink);
  }

  void removeHealthSink(HealthSink sink) {
    healthSinks.remove(sink);
  }

  @Override
  public List<HealthSink> healthSinks() {
    return healthSinks;
  }

  @Override
  public List<EventSink> eventSinks() {
    return eventSinks;
  }

  @Override
  public List<FrameObserver> frameObservers() {
    return frameObservers;
  }

  @Override
  public List<SummaryContributor> summaryContributors() {
    return summaryContributors;
  }

  /**
   * Skipped frames and failed runs of this camera, for device health, which adds up the cameras'.
   */
  @Override
  public Map<String, Object> metrics() {
    return Map.of(FRAMES_SKIPPED, pipeline.skippedFrames(), PIPELINE_FAILURES, pipeline.failures());
  }

  @Override
  public String cameraId() {
    return pipeline.cameraId();
  }

  @Override
  public boolean wedged(long nowNanos, long limitNanos) {
    return pipeline.wedged(nowNanos, limitNanos);
  }

  @Override
  public CameraStatus cameraStatus() {
    return pipeline.status();
  }

  private void finished(CameraPipeline finished) {
    if (!finished.ended()) {
      return;
    }
    Map<String, Object> summary = finished.summary();
    LOG.info(
        "camera {} finished: {} frames in {} s",
        finished.cameraId(),
        summary.get("frames"),
        summary.get("duration_s"));
    if (!config.summary_file().isBlank()) {
      writeSummary(Path.of(config.summary_file()), summary);
    }
    if (config.exit_when_done()) {
      if (HostFramework.ownedByHost(context)) {
        LOG.warn(
            "camera {}: exit.when.done is ignored, the framework is Kura's", finished.cameraId());
      } else {
        stopFramework();
      }
    }
  }

  private static void writeSummary(Path file, Map<String, Object> summary) {
    try {
      Path absolute = file.toAbsolutePath();
      Files.createDirectories(absolute.getParent());
      Path temporary = absolute.resolveSibling(absolute.getFileName() + ".tmp");
      Files.writeString(
          temporary,
          new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(summary) + "\n",
          StandardCharsets.UTF_8);
      Files.move(
          temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      LOG.info("summary written to {}", absolute);
    } catch (IOException e) {
      LOG.error("cannot write the summary to {}: {}", file, e.getMessage());
    }
  }

  private void stopFramework() {
    // Stopping the framework from a component's own thread would deadlock on its deactivation.
    Thread stopper =
        new Thread(
            () -> {
              try {
                context.getBundle(0).stop();
              } catch (BundleException | IllegalStateException e) {
                LOG.error("cannot stop the runtime", e);
              }
            },
            "watchpost-exit");
    stopper.start();
  }

  @Deactivate
  void deactivate() {
    pipeline.stop();
    LOG.info("camera {} stopped; source closed", pipeline.cameraId());
  }
}
