// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import java.nio.file.Path;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.detect.DetectorStatus;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.LoadedModel;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.detect.ModelProbe;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.api.detect.Region;
import org.watchpost.api.detect.ServingStats;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.health.MetricsProvider;
import org.watchpost.api.host.HostFramework;

/**
 * The device's detector service. A missing, truncated or tampered model, or a malformed
 * configuration, leaves the service registered and DOWN with the reason, so that capture and health
 * keep running and report it.
 *
 * <p>It is also the device's {@link ModelSwitch}: the model manager loads a candidate beside the
 * active model and swaps it in between two detect calls. A configuration change keeps the model
 * that is active (the manager's choice) unless it names another manifest.
 */
@Component(
    service = {Detector.class, MetricsProvider.class, ModelSwitch.class},
    configurationPid = InferenceConfig.PID)
@Designate(ocd = InferenceConfig.class)
public final class DetectorComponent implements Detector, MetricsProvider, ModelSwitch {
  private static final Logger LOG = LoggerFactory.getLogger(DetectorComponent.class);

  private volatile Engine active;
  private volatile DetectorStatus status = new DetectorStatus(false, null, "not loaded yet");
  private volatile DetectorSettings settings;
  private volatile String configuredManifest;
  private volatile ServingRecord serving = new ServingRecord(null);
  private volatile DetectorScheduler scheduler = new DetectorScheduler(1);

  /** An engine as the switch hands it out; the active one is never closed through it. */
  private final class Engine implements LoadedModel {
    private final YoloxDetectorEngine engine;
    private final Path manifest;

    Engine(YoloxDetectorEngine engine, Path manifest) {
      this.engine = engine;
      this.manifest = manifest;
    }

    @Override
    public org.watchpost.api.detect.ModelInfo info() {
      return engine.info();
    }

    @Override
    public String manifest() {
      return manifest.toString();
    }

    @Override
    public ModelProbe probe(Frame frame) throws DetectorUnavailableException {
      return engine.probe(frame);
    }

    @Override
    public void close() {
      if (active == this) {
        LOG.warn("model {} {} is active; it is not closed", info().name(), info().version());
        return;
      }
      engine.close();
    }

    private DetectorComponent owner() {
      return DetectorComponent.this;
    }
  }

  /**
   * Health metric: detector runs per second, per camera ({@code .<camera>}), and their minimum and
   * median.
   */
  public static final String DETECTOR_RUNS_PER_S = "detector_runs_per_s";

  /** Kura's data directory, under which relative paths go; null outside Kura. */
  private final String kuraData;

  @Activate
  public DetectorComponent(InferenceConfig config, BundleContext context) {
    this(config, context.getProperty(HostFramework.KURA_DATA));
  }

  public DetectorComponent(InferenceConfig config) {
    this(config, (String) null);
  }

  DetectorComponent(InferenceConfig config, String kuraData) {
    this.kuraData = kuraData;
    org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
    configure(config);
  }

  @Modified
  void modified(InferenceConfig config) {
    configure(config);
  }

  private synchronized void configure(InferenceConfig config) {
    Engine loaded = null;
    DetectorStatus next;
    try {
      DetectorSettings configured = DetectorSettings.from(config, kuraData);
      Engine current = active;
      // The model manager may have activated another model since: keep it unless the configuration
      // moved.
      Path manifest =
          current != null && configured.manifest().toString().equals(configuredManifest)
              ? current.manifest
              : configured.manifest();
      settings = configured;
      if (scheduler.slots() != configured.effectiveSlots()) {
        scheduler = new DetectorScheduler(configured.effectiveSlots());
      }
      configuredManifest = configured.manifest().toString();
      loaded =
          new Engine(
              YoloxDetectorEngine.load(
                  VerifiedModel.load(manifest), configured.withManifest(manifest)),
              manifest);
      next = new DetectorStatus(true, loaded.info(), "");
    } catch (ModelException | IllegalArgumentException e) {
      LOG.error("detector DOWN: {}", e.getMessage());
      next = new DetectorStatus(false, null, e.getMessage());
    }
    Engine previous = active;
    active = loaded;
    status = next;
    serving = new ServingRecord(loaded == null ? null : loaded.info());
    if (previous != null) {
      previous.engine.close();
    }
  }

  @Override
  public DetectionResult detect(Frame frame) throws DetectorUnavailableException {
    return detect(frame, null);
  }

  @Override
  public DetectionResult detect(Frame frame, Region region) throws DetectorUnavailableException {
    Engine current = active;
    if (current == null) {
      throw new DetectorUnavailableException(status.reason());
    }
    ServingRecord record = serving;
    DetectorScheduler.Turn turn;
    try {
      turn = scheduler.acquire(frame.sourceId());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DetectorUnavailableException("interrupted while waiting for the detector");
    }
    try (turn) {
      long started = System.nanoTime();
      DetectionResult result = current.engine.detect(frame, region);
      record.served(System.nanoTime() - started);
      return result;
    } catch (DetectorUnavailableException | RuntimeException e) {
      record.failed(e.getMessage());
      throw e;
    }
  }

  /** Detector runs of each camera (by source id) since it was first seen. */
  Map<String, Long> runsByCamera() {
    return scheduler.runs();
  }

  /** The most inferences that ran at once on the active model. */
  int mostConcurrentInferences() {
    Engine current = active;
    return current == null ? 0 : current.engine.lanesMade();
  }

  /** Detector runs per second of each camera (by source id) over the last ten seconds. */
  public Map<String, Double> runsPerSecondByCamera() {
    return scheduler.runsPerSecond();
  }

  @Override
  public DetectorStatus status() {
    return status;
  }

  @Override
  public LoadedModel load(Path manifest) throws ModelLoadException {
    DetectorSettings current = settings;
    if (current == null) {
      throw new ModelLoadException(
          "the detector has no valid configuration to load " + manifest + " with", null);
    }
    try {
      return new Engine(
          YoloxDetectorEngine.load(VerifiedModel.load(manifest), current.withManifest(manifest)),
          manifest);
    } catch (ModelException e) {
      throw new ModelLoadException(e.getMessage(), e);
    }
  }

  @Override
  public LoadedModel active() {
    return active;
  }

  @Override
  public synchronized LoadedModel activate(LoadedModel model) {
    if (!(model instanceof Engine engine) || engine.owner() != this) {
      throw new IllegalArgumentException("model " + model + " was not loaded by this detector");
    }
    Engine previous = active;
    if (previous == engine) {
      return null;
    }
    serving = new ServingRecord(engine.info());
    active = engine;
    status = new DetectorStatus(true, engine.info(), "");
    LOG.info(
        "model {} {} (sha256 {}) active{}",
        engine.info().name(),
        engine.info().version(),
        engine.info().sha256(),
        previous == null
            ? ""
            : ", replacing " + previous.info().name() + " " + previous.info().version());
    return previous;
  }

  @Override
  public ServingStats servingStats() {
    return serving.stats();
  }

  /**
   * The active model and its time per detect call over its recent calls, all cameras together, for
   * device health telemetry; only {@code detector_up} while the detector is down.
   */
  @Override
  public Map<String, Object> metrics() {
    DetectorStatus current = status;
    if (!current.up()) {
      return Map.of("detector_up", false);
    }
    Map<String, Object> metrics = new java.util.LinkedHashMap<>();
    metrics.put("detector_up", true);
    metrics.put(MODEL_NAME, current.model().name());
    metrics.put(MODEL_VERSION, current.model().version());
    metrics.put(MODEL_SHA256, current.model().sha256());
    Map<String, Double> rates = scheduler.runsPerSecond();
    if (!rates.isEmpty()) {
      rates.forEach((camera, rate) -> metrics.put(DETECTOR_RUNS_PER_S + "." + camera, rate));
      double[] sorted = rates.values().stream().mapToDouble(Double::doubleValue).sorted().toArray();
      metrics.put(DETECTOR_RUNS_PER_S + "_min", sorted[0]);
      metrics.put(DETECTOR_RUNS_PER_S + "_median", sorted[sorted.length / 2]);
    }
    ServingStats served = serving.stats();
    if (served.calls() > 0) {
      metrics.put(INFERENCE_LATENCY_P50_MS, Math.round(served.p50Millis() * 100) / 100.0);
      metrics.put(INFERENCE_LATENCY_P95_MS, Math.round(served.p95Millis() * 100) / 100.0);
    }
    return metrics;
  }

  @Deactivate
  public synchronized void deactivate() {
    Engine current = active;
    active = null;
    status = new DetectorStatus(false, null, "stopped");
    if (current != null) {
      current.engine.close();
    }
    LOG.info("detector stopped");
  }
}
