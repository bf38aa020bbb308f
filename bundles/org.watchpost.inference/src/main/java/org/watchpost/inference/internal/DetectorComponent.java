package org.watchpost.inference.internal;

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
import org.watchpost.api.detect.Region;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.health.MetricsProvider;
import java.util.Map;

/**
 * The device's detector service. A missing, truncated or tampered model, or a malformed configuration, leaves
 * the service registered and DOWN with the reason, so that capture and health keep running and report it.
 */
@Component(service = {Detector.class, MetricsProvider.class}, configurationPid = InferenceConfig.PID)
@Designate(ocd = InferenceConfig.class)
public final class DetectorComponent implements Detector, MetricsProvider {
  private static final Logger LOG = LoggerFactory.getLogger(DetectorComponent.class);

  private volatile YoloxDetectorEngine engine;
  private volatile DetectorStatus status = new DetectorStatus(false, null, "not loaded yet");

  @Activate
  public DetectorComponent(InferenceConfig config) {
    OpenCvNatives.load();
    load(config);
  }

  @Modified
  void modified(InferenceConfig config) {
    load(config);
  }

  private void load(InferenceConfig config) {
    YoloxDetectorEngine loaded = null;
    DetectorStatus next;
    try {
      DetectorSettings settings = DetectorSettings.from(config);
      loaded = YoloxDetectorEngine.load(VerifiedModel.load(settings.manifest()), settings);
      next = new DetectorStatus(true, loaded.info(), "");
    } catch (ModelException | IllegalArgumentException e) {
      LOG.error("detector DOWN: {}", e.getMessage());
      next = new DetectorStatus(false, null, e.getMessage());
    }
    YoloxDetectorEngine previous = engine;
    engine = loaded;
    status = next;
    if (previous != null) {
      previous.close();
    }
  }

  @Override
  public DetectionResult detect(Frame frame) throws DetectorUnavailableException {
    return current().detect(frame, null);
  }

  @Override
  public DetectionResult detect(Frame frame, Region region) throws DetectorUnavailableException {
    return current().detect(frame, region);
  }

  private YoloxDetectorEngine current() throws DetectorUnavailableException {
    YoloxDetectorEngine current = engine;
    if (current == null) {
      throw new DetectorUnavailableException(status.reason());
    }
    return current;
  }

  @Override
  public DetectorStatus status() {
    return status;
  }

  /** The active model, for device health telemetry; nothing while the detector is down. */
  @Override
  public Map<String, Object> metrics() {
    DetectorStatus current = status;
    if (!current.up()) {
      return Map.of("detector_up", false);
    }
    return Map.of("detector_up", true, MODEL_NAME, current.model().name(), MODEL_VERSION, current.model().version(),
        MODEL_SHA256, current.model().sha256());
  }

  @Deactivate
  void deactivate() {
    YoloxDetectorEngine current = engine;
    engine = null;
    status = new DetectorStatus(false, null, "stopped");
    if (current != null) {
      current.close();
    }
    LOG.info("detector stopped");
  }
}
