// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** The process's own memory as the kernel sees it (JVM heap plus native: ONNX Runtime, OpenCV). */
final class ProcessMemory {
  private static final Path STATUS = Path.of("/proc/self/status");

  private ProcessMemory() {}

  /** Peak resident set size (VmHWM) in kB; empty where /proc is missing. */
  static OptionalLong peakRssKilobytes() {
    return field("VmHWM:");
  }

  static OptionalLong rssKilobytes() {
    return field("VmRSS:");
  }

  private static OptionalLong field(String name) {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith(name)) {
          return OptionalLong.of(
              Long.parseLong(line.substring(name.length()).replace("kB", "").trim()));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or an unexpected format: the figure is absent rather than wrong
    }
    return OptionalLong.empty();
  }
}
