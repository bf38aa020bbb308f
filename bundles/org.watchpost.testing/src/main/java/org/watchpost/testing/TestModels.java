// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A model directory for tests: the project's committed manifest and labels for YOLOX-Nano, with the
 * real weights from ../shared copied beside them (weights never live in git).
 */
public final class TestModels {
  private TestModels() {}

  /**
   * @return the manifest of a fresh copy of yolox-nano under the module's target/
   */
  public static Path yoloxNanoManifest() {
    Path source = SharedData.projectRoot().resolve("models/yolox-nano");
    Path target = SharedData.scratchDirectory("model-yolox-nano");
    try {
      Files.copy(
          source.resolve("manifest.json"),
          target.resolve("manifest.json"),
          StandardCopyOption.REPLACE_EXISTING);
      Files.copy(
          source.resolve("labels.txt"),
          target.resolve("labels.txt"),
          StandardCopyOption.REPLACE_EXISTING);
      Files.copy(
          SharedData.yoloxNano(),
          target.resolve("yolox_nano.onnx"),
          StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target.resolve("manifest.json");
  }

  /**
   * A model directory (manifest.json, model.onnx, labels.txt) of a tiny model with the YOLOX
   * contract of a 32x32 input, see {@link TinyOnnx}: loads in milliseconds where the real weights
   * are not the point.
   */
  public static Path tinyYolox(
      Path dir, String name, String version, byte[] onnx, java.util.List<String> platforms) {
    try {
      Files.createDirectories(dir);
      Path model = dir.resolve("model.onnx");
      Files.write(model, onnx);
      Path labels = dir.resolve("labels.txt");
      Files.copy(
          SharedData.projectRoot().resolve("models/yolox-nano/labels.txt"),
          labels,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      String manifest =
          """
          {
            "format": 1,
            "name": "%s",
            "version": "%s",
            "created": "2026-11-25T00:00:00Z",
            "license": "Apache-2.0",
            "model": { "file": "model.onnx", "sha256": "%s", "size": %d },
            "labels": { "file": "labels.txt", "sha256": "%s" },
            "input": { "name": "images", "type": "float32", "shape": [1, 3, %d, %d], "channels": "BGR",
              "range": [0, 255], "letterbox": { "anchor": "top-left", "pad": 114 } },
            "output": { "name": "output", "type": "float32", "shape": [1, %d, %d], "decoder": "yolox", "strides": [8, 16, 32] },
            "min_runtime": "0.1.0",
            "platforms": [%s]
          }
          """
              .formatted(
                  name,
                  version,
                  sha256(model),
                  onnx.length,
                  sha256(labels),
                  TinyOnnx.SIZE,
                  TinyOnnx.SIZE,
                  TinyOnnx.ROWS,
                  TinyOnnx.ROW_LENGTH,
                  String.join(", ", platforms.stream().map(p -> "\"" + p + "\"").toList()));
      Files.writeString(
          dir.resolve("manifest.json"), manifest, java.nio.charset.StandardCharsets.UTF_8);
      return dir.resolve("manifest.json");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256(Path file) throws IOException {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
