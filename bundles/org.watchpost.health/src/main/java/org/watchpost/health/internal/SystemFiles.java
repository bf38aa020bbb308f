// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Reads and parses the kernel's files under /proc and /sys. Reads are bounded; a file that is
 * missing or does not parse gives nothing (the metric is absent), never zero and never an
 * exception.
 */
final class SystemFiles {
  static final int MAX_BYTES = 64 * 1024;
  private static final long[] NO_TICKS = new long[0];

  private SystemFiles() {}

  static Optional<String> read(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return Optional.of(new String(in.readNBytes(MAX_BYTES), StandardCharsets.US_ASCII));
    } catch (IOException | SecurityException e) {
      return Optional.empty();
    }
  }

  /** The aggregate "cpu" line of /proc/stat as jiffies per state, or an empty array. */
  static long[] cpuTicks(String stat) {
    for (String line : stat.split("\n", 64)) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length >= 5 && fields[0].equals("cpu")) {
        long[] ticks = new long[Math.min(fields.length - 1, 10)];
        for (int i = 0; i < ticks.length; i++) {
          Long value = whole(fields[i + 1]);
          if (value == null) {
            return NO_TICKS;
          }
          ticks[i] = value;
        }
        return ticks;
      }
    }
    return NO_TICKS;
  }

  /**
   * Busy share (0..1) between two /proc/stat samples; idle and iowait count as not busy. NaN when
   * unknown.
   */
  static double busyShare(long[] before, long[] after) {
    if (before.length < 4 || after.length != before.length) {
      return Double.NaN;
    }
    long total = 0;
    long idle = 0;
    for (int i = 0; i < after.length; i++) {
      long delta = after[i] - before[i];
      if (delta < 0) {
        return Double.NaN;
      }
      total += delta;
      if (i == 3 || i == 4) {
        idle += delta;
      }
    }
    return total <= 0 ? Double.NaN : (double) (total - idle) / total;
  }

  /** The first whitespace-separated decimal of a file such as /proc/loadavg or /proc/uptime. */
  static OptionalDouble firstNumber(String text) {
    String[] fields = text.trim().split("\\s+", 2);
    if (fields.length == 0 || !fields[0].matches("[0-9]{1,15}(\\.[0-9]{1,9})?")) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of(Double.parseDouble(fields[0]));
  }

  /** /proc/meminfo as name to kilobytes. */
  static Map<String, Long> meminfoKb(String meminfo) {
    Map<String, Long> values = new HashMap<>();
    for (String line : meminfo.split("\n", 256)) {
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String[] fields = line.substring(colon + 1).trim().split("\\s+");
      Long value = whole(fields[0]);
      if (value != null && (fields.length == 1 || fields[1].equals("kB"))) {
        values.put(line.substring(0, colon).trim(), value);
      }
    }
    return values;
  }

  /** A thermal zone's temp file (millidegrees Celsius) in degrees, when it is plausible. */
  static OptionalDouble celsius(String milliCelsius) {
    String text = milliCelsius.trim();
    if (!text.matches("-?[0-9]{1,7}")) {
      return OptionalDouble.empty();
    }
    double celsius = Long.parseLong(text) / 1000.0;
    return celsius > -60 && celsius < 200 ? OptionalDouble.of(celsius) : OptionalDouble.empty();
  }

  /** Whether a thermal zone's type names the processor rather than, say, a battery or the board. */
  static boolean isProcessorZone(String type) {
    String name = type.trim().toLowerCase(Locale.ROOT);
    return name.contains("cpu")
        || name.contains("soc")
        || name.contains("x86_pkg")
        || name.contains("core");
  }

  private static Long whole(String text) {
    if (!text.matches("[0-9]{1,18}")) {
      return null;
    }
    return Long.parseLong(text);
  }
}
