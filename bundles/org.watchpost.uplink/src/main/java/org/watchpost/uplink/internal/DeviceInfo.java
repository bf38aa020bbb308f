// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * Who the device is, for its client id and the metrics of its birth certificate (as a Kura gateway
 * sends them).
 */
record DeviceInfo(
    String clientId,
    String displayName,
    String modelName,
    String serialNumber,
    String firmwareVersion,
    String applicationIds,
    String site,
    String region) {

  static DeviceInfo of(UplinkConfig config) {
    String host = hostName();
    String clientId = config.client_id().isBlank() ? KuraTopic.segment(host) : config.client_id();
    String serial = config.serial_number().isBlank() ? machineId(host) : config.serial_number();
    return new DeviceInfo(
        clientId,
        config.display_name().isBlank() ? clientId : config.display_name(),
        config.model_name(),
        serial,
        config.firmware_version(),
        config.application_ids(),
        config.site().strip(),
        config.region().strip());
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "watchpost";
    }
  }

  /**
   * Watchpost's application id for {@link #appSpecificId}: fixed forever, since changing it changes
   * every device's serial number. 128 random bits, as systemd's app ids are.
   */
  static final String APP_ID = "6f1c2a7e9b3d4c58a0e2f4b6d8c1a3e5";

  private static final Path MACHINE_ID = Path.of("/etc/machine-id");

  /**
   * An id derived from the systemd machine id, stable across reboots and reinstalls of the
   * firmware, that does not disclose the machine id itself (systemd: "This ID uniquely identifies
   * the host. It should be considered confidential, and must not be exposed in untrusted
   * environments"); the host name when there is none.
   */
  private static String machineId(String fallback) {
    return machineId(MACHINE_ID, fallback);
  }

  static String machineId(Path file, String fallback) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      String id =
          new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.US_ASCII).strip();
      String derived = appSpecificId(id);
      return derived == null ? fallback : derived;
    } catch (IOException | RuntimeException e) {
      return fallback;
    }
  }

  /**
   * What systemd's {@code sd_id128_get_machine_app_specific()} returns: HMAC-SHA256 keyed by the 16
   * bytes of the machine id over the 16 bytes of the app id, the first 16 bytes of it made a v4
   * UUID, as 32 hex digits (the form of {@code systemd-id128 machine-id --app-specific=APP_ID}).
   * Null when the id is not 32 hex digits.
   */
  static String appSpecificId(String machineId) {
    if (machineId == null || !machineId.matches("[0-9a-fA-F]{32}")) {
      return null;
    }
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(
          new javax.crypto.spec.SecretKeySpec(
              java.util.HexFormat.of().parseHex(machineId), "HmacSHA256"));
      byte[] h = mac.doFinal(java.util.HexFormat.of().parseHex(APP_ID));
      byte[] id = java.util.Arrays.copyOf(h, 16);
      id[6] = (byte) ((id[6] & 0x0F) | 0x40);
      id[8] = (byte) ((id[8] & 0x3F) | 0x80);
      return java.util.HexFormat.of().formatHex(id);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  /** The BIRTH metrics; a fresh, modifiable map each time. */
  Map<String, Object> birthMetrics() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("uptime", ManagementFactory.getRuntimeMXBean().getUptime());
    m.put("display_name", displayName);
    m.put("model_name", modelName);
    m.put("serial_number", serialNumber);
    m.put("firmware_version", firmwareVersion);
    m.put("jvm_name", System.getProperty("java.vm.name", ""));
    m.put("jvm_version", System.getProperty("java.vm.version", ""));
    m.put("os", System.getProperty("os.name", ""));
    m.put("os_version", System.getProperty("os.version", ""));
    m.put("os_arch", System.getProperty("os.arch", ""));
    m.put("available_processors", Runtime.getRuntime().availableProcessors());
    m.put("total_memory", Runtime.getRuntime().maxMemory() / 1024);
    m.put("application_ids", applicationIds);
    m.put("accept_encoding", "gzip");
    // Where the device stands, for the centre's census per site and region; sent only when
    // configured.
    if (!site.isEmpty()) {
      m.put("site", site);
    }
    if (!region.isEmpty()) {
      m.put("region", region);
    }
    return m;
  }
}
