package org.watchpost.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.watchpost.capture.internal.CaptureComponent;
import org.watchpost.capture.internal.CaptureConfig;
import org.watchpost.inference.internal.DetectorSettings;
import org.watchpost.inference.internal.InferenceConfig;
import org.watchpost.inference.internal.ModelException;
import org.watchpost.inference.internal.VerifiedModel;
import org.watchpost.inference.internal.YoloxDetectorEngine;
import org.watchpost.testing.Configs;

/** The firmware's own capture and detector, used on the plain class path by the host tools. */
final class Detectors {
  private Detectors() {}

  static YoloxDetectorEngine load(int threads) throws ModelException {
    return load(threads, DEFAULT_MODEL);
  }

  static final String DEFAULT_MODEL = "yolox-nano";

  /**
   * The manifest of {@code model}: a name under models/ (yolox-nano, yolox-nano-int8), a model directory, or a
   * manifest file.
   */
  static Path manifest(String model) {
    Path path = Path.of(model);
    if (model.endsWith(".json") && Files.isRegularFile(path)) {
      return path;
    }
    if (Files.isDirectory(path) && Files.exists(path.resolve("manifest.json"))) {
      return path.resolve("manifest.json");
    }
    return Home.modelManifest(model);
  }

  static YoloxDetectorEngine load(int threads, String model) throws ModelException {
    System.setProperty("ai.djl.offline", "true");
    nu.pattern.OpenCV.loadLocally();
    Path manifest = manifest(model);
    if (!Files.exists(manifest)) {
      throw new ModelException("no model manifest at " + manifest);
    }
    DetectorSettings settings = DetectorSettings.from(Configs.defaults(InferenceConfig.class))
        .withManifest(manifest).withThreads(threads);
    return YoloxDetectorEngine.load(VerifiedModel.load(manifest), settings);
  }

  static CaptureComponent capture() {
    return new CaptureComponent(Configs.defaults(CaptureConfig.class));
  }
}
