// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.watchpost.api.host.HostFramework;
import org.watchpost.models.packaging.PackageLimits;
import org.watchpost.models.packaging.SemanticVersion;

/** A checked {@link ModelsConfig}; malformed values are refused here, naming the property. */
record ModelsSettings(
    Path stateDir,
    Path trustedKeys,
    String platform,
    SemanticVersion runtimeVersion,
    PackageLimits limits,
    Path validationFrames,
    int validationRuns,
    double latencyFactor,
    double maxRowsOverThreshold,
    Duration probation,
    double probationMaxErrorRate,
    int probationMinCalls,
    int probationMaxRestarts,
    int chunkBytes,
    int chunksInFlight,
    Duration chunkTimeout,
    Path httpsCaFile,
    Duration httpsTimeout,
    int transferAttempts,
    Duration transferDeadline,
    int httpsMinBytesPerSecond,
    Duration httpsRateWindow,
    long httpsDownlinkBitsPerSecond,
    java.util.Set<String> httpsAllowedHosts,
    Path consoleKeys,
    Duration commandClockSkew,
    Duration commandMaxLifetime,
    Duration rollbackTokenMax,
    int commandNoncesMax,
    int workQueue) {

  static ModelsSettings from(ModelsConfig c) {
    return from(c, null);
  }

  /**
   * @param kuraData Kura's data directory, under which relative paths go; null outside Kura
   */
  static ModelsSettings from(ModelsConfig c, String kuraData) {
    require(!c.state_dir().isBlank(), "state_dir", "must be set");
    require(c.latency_factor() >= 1, "latency_factor", "must be at least 1");
    require(c.transfer_deadline_s() >= 1, "transfer_deadline_s", "must be at least 1");
    require(
        c.https_min_bytes_per_s() >= 1 && c.https_rate_window_s() >= 1,
        "https_min_bytes_per_s",
        "and https_rate_window_s must be at least 1");
    require(
        c.https_downlink_bits_per_s() >= 0, "https_downlink_bits_per_s", "must not be negative");
    require(c.command_nonces_max() >= 16, "command_nonces_max", "must be at least 16");
    require(c.work_queue() >= 8, "work_queue", "must be at least 8");
    require(
        c.chunk_bytes() >= 256 && c.chunk_bytes() <= 262_144, "chunk_bytes", "must be 256..262144");
    SemanticVersion runtime;
    try {
      runtime = SemanticVersion.parse(c.runtime_version());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid " + ModelsConfig.PID + ": runtime_version " + e.getMessage());
    }
    return new ModelsSettings(
        HostFramework.resolve(kuraData, c.state_dir()),
        HostFramework.resolve(kuraData, c.trusted_keys_dir()),
        c.platform().isBlank() ? hostPlatform() : c.platform(),
        runtime,
        new PackageLimits(c.max_package_bytes(), c.max_unpacked_bytes(), 66),
        c.validation_frames_dir().isBlank()
            ? null
            : HostFramework.resolve(kuraData, c.validation_frames_dir()),
        c.validation_runs(),
        c.latency_factor(),
        c.max_rows_over_threshold(),
        Duration.ofSeconds(c.probation_s()),
        c.probation_max_error_rate(),
        c.probation_min_calls(),
        c.probation_max_restarts(),
        c.chunk_bytes(),
        c.chunks_in_flight(),
        Duration.ofSeconds(c.chunk_timeout_s()),
        c.https_ca_file().isBlank() ? null : Path.of(c.https_ca_file()),
        Duration.ofSeconds(c.https_timeout_s()),
        c.transfer_attempts(),
        Duration.ofSeconds(c.transfer_deadline_s()),
        c.https_min_bytes_per_s(),
        Duration.ofSeconds(c.https_rate_window_s()),
        c.https_downlink_bits_per_s(),
        hosts(c.https_allowed_hosts()),
        HostFramework.resolve(kuraData, c.console_keys_dir()),
        Duration.ofSeconds(c.command_clock_skew_s()),
        Duration.ofSeconds(c.command_max_lifetime_s()),
        Duration.ofSeconds(c.rollback_token_max_s()),
        c.command_nonces_max(),
        c.work_queue());
  }

  private static java.util.Set<String> hosts(String list) {
    java.util.Set<String> out = new java.util.TreeSet<>();
    for (String h : list.split(",")) {
      if (!h.isBlank()) {
        out.add(h.trim().toLowerCase(Locale.ROOT));
      }
    }
    return java.util.Set.copyOf(out);
  }

  /** The platform name packages use for the JVM's OS and architecture. */
  static String hostPlatform() {
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String os =
        System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")
            ? "linux"
            : "other";
    return os
        + "-"
        + switch (arch) {
          case "amd64", "x86_64" -> "x86_64";
          case "aarch64", "arm64" -> "aarch64";
          case "arm", "armv7l", "armhf" -> "armv7";
          default -> arch;
        };
  }

  private static void require(boolean ok, String property, String problem) {
    if (!ok) {
      throw new IllegalArgumentException(
          "invalid " + ModelsConfig.PID + ": " + property + " " + problem);
    }
  }
}
