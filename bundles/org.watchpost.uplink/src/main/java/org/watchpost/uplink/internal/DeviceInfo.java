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

/** Who the device is, for its client id and the metrics of its birth certificate (as a Kura gateway sends them). */
record DeviceInfo(String clientId, String displayName, String modelName, String serialNumber, String firmwareVersion,
    String applicationIds) {

  static DeviceInfo of(UplinkConfig config) {
    String host = hostName();
    String clientId = config.client_id().isBlank() ? KuraTopic.segment(host) : config.client_id();
    String serial = config.serial_number().isBlank() ? machineId(host) : config.serial_number();
    return new DeviceInfo(clientId, config.display_name().isBlank() ? clientId : config.display_name(),
        config.model_name(), serial, config.firmware_version(), config.application_ids());
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "watchpost";
    }
  }

  /** The systemd machine id when there is one: stable across reboots and reinstalls of the firmware. */
  private static String machineId(String fallback) {
    try {
      byte[] bytes = Files.readAllBytes(Path.of("/etc/machine-id"));
      String id = new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.US_ASCII).strip();
      return id.isEmpty() ? fallback : id;
    } catch (IOException | RuntimeException e) {
      return fallback;
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
    return m;
  }
}
