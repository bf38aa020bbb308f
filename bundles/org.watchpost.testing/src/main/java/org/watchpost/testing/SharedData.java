// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the real footage, images and model live: {@code ../shared} beside the project (read-only),
 * located through the {@code watchpost.shared} system property that the build sets. A missing file
 * fails the test with the path it looked at; tests on real data never skip silently.
 */
public final class SharedData {
  private SharedData() {}

  public static Path root() {
    String configured = System.getProperty("watchpost.shared");
    Path root = configured != null ? Path.of(configured) : Path.of("..", "shared");
    return root.toAbsolutePath().normalize();
  }

  /** The project's own root directory. */
  public static Path projectRoot() {
    String configured = System.getProperty("watchpost.root");
    return (configured != null ? Path.of(configured) : Path.of(".")).toAbsolutePath().normalize();
  }

  public static Path require(String relative) {
    Path path = root().resolve(relative);
    if (!Files.isReadable(path)) {
      throw new AssertionError(
          "test data missing: "
              + path
              + " (the tests read real footage and the model from ../shared)");
    }
    return path;
  }

  public static Path vtestMjpeg() {
    return require("data/video/vtest-mjpeg.avi");
  }

  public static Path vtestH264() {
    return require("data/video/vtest.mp4");
  }

  public static Path vtestDivx() {
    return require("data/video/vtest.avi");
  }

  public static Path yoloxNano() {
    return require("models/yolox-nano/yolox_nano.onnx");
  }

  public static Path image(String name) {
    return require("data/images/" + name);
  }

  /** A fresh directory under the module's {@code target/}, for files a test writes. */
  public static Path scratchDirectory(String name) {
    try {
      Path dir = Path.of("target", "test-scratch", name + "-" + System.nanoTime()).toAbsolutePath();
      Files.createDirectories(dir);
      return dir;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
