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
    System.setProperty("ai.djl.offline", "true");
    nu.pattern.OpenCV.loadLocally();
    Path manifest = Home.modelManifest("yolox-nano");
    if (!Files.exists(manifest.resolveSibling("yolox_nano.onnx"))) {
      throw new ModelException("model weights missing beside " + manifest + ": run models/fetch");
    }
    DetectorSettings settings = DetectorSettings.from(Configs.defaults(InferenceConfig.class))
        .withManifest(manifest).withThreads(threads);
    return YoloxDetectorEngine.load(VerifiedModel.load(manifest), settings);
  }

  static CaptureComponent capture() {
    return new CaptureComponent(Configs.defaults(CaptureConfig.class));
  }
}
