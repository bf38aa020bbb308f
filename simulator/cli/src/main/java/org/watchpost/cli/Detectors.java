// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.frame.CaptureService;
import org.watchpost.capture.tools.HostCapture;
import org.watchpost.inference.tools.HostDetector;

/**
 * The firmware's own capture and detector, used on the plain class path by the host tools through
 * the bundles' exported tools packages.
 */
final class Detectors {
  private Detectors() {}

  static HostDetector load(int threads) throws ModelLoadException {
    return load(threads, DEFAULT_MODEL);
  }

  static final String DEFAULT_MODEL = "yolox-nano";

  /**
   * The manifest of {@code model}: a name under models/ (yolox-nano, yolox-nano-int8), a model
   * directory, or a manifest file.
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

  static HostDetector load(int threads, String model) throws ModelLoadException {
    Path manifest = manifest(model);
    if (!Files.exists(manifest)) {
      throw new ModelLoadException("no model manifest at " + manifest, null);
    }
    return loadManifest(manifest, threads);
  }

  /**
   * The detector on the model of this manifest, offline (DJL never downloads on the host either).
   */
  static HostDetector loadManifest(Path manifest, int threads) throws ModelLoadException {
    System.setProperty("ai.djl.offline", "true");
    org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
    return HostDetector.load(manifest, threads);
  }

  static CaptureService capture() {
    return HostCapture.withDefaults();
  }
}
