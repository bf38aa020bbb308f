// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where things are: the project (or installed distribution) root that ./watchpost runs from. */
final class Home {
  private Home() {}

  static Path root() {
    String configured = System.getProperty("watchpost.home");
    return (configured != null ? Path.of(configured) : Path.of(".")).toAbsolutePath().normalize();
  }

  /**
   * The shared data directory beside the project on the build machine; absent on a user's clone.
   */
  static Path shared() {
    String configured = System.getenv("WATCHPOST_SHARED");
    return (configured != null ? Path.of(configured) : root().resolve("../shared"))
        .toAbsolutePath()
        .normalize();
  }

  static Path runtimeJar() {
    return root().resolve("target-platform/target/watchpost.jar");
  }

  static Path modelManifest(String name) {
    return root().resolve("models").resolve(name).resolve("manifest.json");
  }

  /**
   * Working files of the tools (downloaded clips, demo configuration): {@code var/} under the root.
   */
  static Path var(String child) {
    Path path = root().resolve("var").resolve(child);
    try {
      Files.createDirectories(path);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot create " + path, e);
    }
    return path;
  }
}
