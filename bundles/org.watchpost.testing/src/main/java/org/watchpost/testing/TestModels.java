package org.watchpost.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A model directory for tests: the project's committed manifest and labels for YOLOX-Nano, with the real
 * weights from ../shared copied beside them (weights never live in git).
 */
public final class TestModels {
  private TestModels() {}

  /** @return the manifest of a fresh copy of yolox-nano under the module's target/ */
  public static Path yoloxNanoManifest() {
    Path source = SharedData.projectRoot().resolve("models/yolox-nano");
    Path target = SharedData.scratchDirectory("model-yolox-nano");
    try {
      Files.copy(source.resolve("manifest.json"), target.resolve("manifest.json"), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(source.resolve("labels.txt"), target.resolve("labels.txt"), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(SharedData.yoloxNano(), target.resolve("yolox_nano.onnx"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target.resolve("manifest.json");
  }
}
