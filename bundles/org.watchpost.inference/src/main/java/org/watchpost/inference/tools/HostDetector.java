// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.tools;

import java.nio.file.Path;
import java.util.Map;
import org.opencv.core.Mat;
import org.osgi.util.converter.Converters;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.detect.Region;
import org.watchpost.api.frame.Frame;
import org.watchpost.inference.internal.DetectorSettings;
import org.watchpost.inference.internal.InferenceConfig;
import org.watchpost.inference.internal.ModelException;
import org.watchpost.inference.internal.VerifiedModel;
import org.watchpost.inference.internal.YoloxDetectorEngine;

/**
 * The firmware's detector on one verified model, loaded outside a framework. Every setting but the
 * model and the threads is the detector component's Metatype default, made from the DS property
 * names by the OSGi Converter (as DS makes a component's configuration), so a host tool measures
 * what a device runs.
 */
public final class HostDetector implements AutoCloseable {
  private final YoloxDetectorEngine engine;
  private final int threads;

  private HostDetector(YoloxDetectorEngine engine, int threads) {
    this.engine = engine;
    this.threads = threads;
  }

  /**
   * Verifies the model named by {@code manifest} (its SHA-256, labels and input) and loads it.
   *
   * @param threads ONNX Runtime intra-op threads (1 to 64)
   */
  public static HostDetector load(Path manifest, int threads) throws ModelLoadException {
    try {
      return new HostDetector(
          YoloxDetectorEngine.load(VerifiedModel.load(manifest), settings(manifest, threads)),
          threads);
    } catch (ModelException e) {
      throw new ModelLoadException(e.getMessage(), e);
    }
  }

  /**
   * The detector component's configuration with only the model and the threads set, keyed as DS
   * keys them.
   */
  static DetectorSettings settings(Path manifest, int threads) {
    InferenceConfig config =
        Converters.standardConverter()
            .convert(Map.of("model.manifest", manifest.toString(), "intra.op.threads", threads))
            .to(InferenceConfig.class);
    return DetectorSettings.from(config);
  }

  public ModelInfo info() {
    return engine.info();
  }

  public DetectionResult detect(Frame frame, Region region) throws DetectorUnavailableException {
    return engine.detect(frame, region);
  }

  /** Detections in a BGR image (a golden frame read from a file); the image stays the caller's. */
  public DetectionResult detect(Mat image, Region region) throws DetectorUnavailableException {
    return engine.detect(image, region);
  }

  /**
   * ONNX Runtime alone on this model with the same threads: the floor a benchmark measures the
   * detector against.
   */
  public BareRuntime bareRuntime() throws ModelLoadException {
    return BareRuntime.open(engine.model(), threads);
  }

  @Override
  public void close() {
    engine.close();
  }
}
