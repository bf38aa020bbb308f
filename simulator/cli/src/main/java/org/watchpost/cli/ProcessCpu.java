// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time a process has used, from /proc, with its child processes (the ffmpeg decoders): CPU time
 * over wall time stays honest on a loaded machine, where a process waiting for a core uses none.
 * Linux only; elsewhere every figure is 0.
 */
final class ProcessCpu {
  /** USER_HZ: the unit of /proc/PID/stat's times, 100 on every Linux ABI the firmware runs on. */
  static final double TICKS_PER_SECOND = 100;

  private ProcessCpu() {}

  /**
   * CPU seconds of the process and of its descendants: their own while they run, and those of
   * reaped ones (cutime, cstime) once the process has waited for them.
   */
  static double seconds(long pid) {
    long ticks = 0;
    long[] own = times(Path.of("/proc", Long.toString(pid), "stat"));
    if (own == null) {
      return 0;
    }
    ticks += own[0] + own[1] + own[2] + own[3];
    for (long child : descendants(pid)) {
      long[] t = times(Path.of("/proc", Long.toString(child), "stat"));
      if (t != null) {
        ticks += t[0] + t[1];
      }
    }
    return ticks / TICKS_PER_SECOND;
  }

  /**
   * CPU seconds by thread name (digits taken out, so a pool's threads add up) of the process, and
   * by command of each descendant (as "child:NAME"): where the time goes.
   */
  static Map<String, Double> byName(long pid) {
    Map<String, Double> seconds = new TreeMap<>();
    long[] own = times(Path.of("/proc", Long.toString(pid), "stat"));
    if (own != null) {
      // Children that ended (a looping clip's ffmpeg, ffprobe) and were waited for.
      seconds.put("children:ended", (own[2] + own[3]) / TICKS_PER_SECOND);
    }
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        String name = name(task.resolve("stat"));
        long[] t = times(task.resolve("stat"));
        if (name != null && t != null) {
          seconds.merge(
              name.replaceAll("[0-9]+", "#"), (t[0] + t[1]) / TICKS_PER_SECOND, Double::sum);
        }
      }
    } catch (IOException e) {
      return seconds;
    }
    for (long child : descendants(pid)) {
      Path stat = Path.of("/proc", Long.toString(child), "stat");
      String name = name(stat);
      long[] t = times(stat);
      if (name != null && t != null) {
        seconds.merge("child:" + name, (t[0] + t[1]) / TICKS_PER_SECOND, Double::sum);
      }
    }
    return seconds;
  }

  /** Every process below pid, found through each process's parent in /proc. */
  static Iterable<Long> descendants(long pid) {
    Map<Long, Long> parents = new HashMap<>();
    try (var all = Files.list(Path.of("/proc"))) {
      for (Path p : all.toList()) {
        String n = p.getFileName().toString();
        if (!n.chars().allMatch(Character::isDigit)) {
          continue;
        }
        String stat = read(p.resolve("stat"));
        if (stat != null) {
          String[] f = afterName(stat);
          if (f != null && f.length > 1) {
            parents.put(Long.parseLong(n), Long.parseLong(f[1]));
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      return java.util.List.of();
    }
    java.util.List<Long> found = new java.util.ArrayList<>();
    for (Long candidate : parents.keySet()) {
      Long up = parents.get(candidate);
      for (int depth = 0; up != null && depth < 64; depth++) {
        if (up == pid) {
          found.add(candidate);
          break;
        }
        up = parents.get(up);
      }
    }
    return found;
  }

  /** utime, stime, cutime, cstime in ticks, or null. */
  private static long[] times(Path stat) {
    String text = read(stat);
    String[] f = text == null ? null : afterName(text);
    if (f == null || f.length < 15) {
      return null;
    }
    try {
      // After the name: state is field 3 of proc(5), so utime (14) is at index 11.
      return new long[] {
        Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])
      };
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String name(Path stat) {
    String text = read(stat);
    if (text == null) {
      return null;
    }
    int open = text.indexOf('(');
    int close = text.lastIndexOf(')');
    return open < 0 || close < open ? null : text.substring(open + 1, close);
  }

  /** The fields after "(comm)", which may itself hold spaces and parentheses. */
  private static String[] afterName(String stat) {
    int close = stat.lastIndexOf(')');
    return close < 0 ? null : stat.substring(close + 1).trim().split("\\s+");
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return null;
    }
  }
}
