// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.SharedData;

/**
 * The BIRTH's serial number is derived from /etc/machine-id as systemd derives application-specific
 * ids, so the machine id itself (confidential, says systemd) never leaves the device.
 */
class DeviceInfoTest {
  private static final String MACHINE_ID = "3d1210b4f5c84d0a9e6f7a8b9c0d1e2f";

  @Test
  void theSerialNumberIsAnAppSpecificIdNotTheMachineId() throws Exception {
    Path dir = SharedData.scratchDirectory("device-info");
    Path file = dir.resolve("machine-id");
    Files.writeString(file, MACHINE_ID + "\n");
    String serial = DeviceInfo.machineId(file, "host");
    assertEquals(32, serial.length());
    assertFalse(serial.contains(MACHINE_ID), serial);
    assertEquals('4', serial.charAt(12), "a v4 UUID, as systemd makes it");
    assertEquals(serial, DeviceInfo.machineId(file, "host"), "stable");
    Files.writeString(file, "not-an-id\n");
    assertEquals("host", DeviceInfo.machineId(file, "host"));
    assertEquals("host", DeviceInfo.machineId(dir.resolve("none"), "host"));
    assertNull(DeviceInfo.appSpecificId("xyz"));

    Map<String, Object> birth =
        DeviceInfo.of(Samples.config("tcp://127.0.0.1:1", dir.resolve("o.db"), Map.of()))
            .birthMetrics();
    Path real = Path.of("/etc/machine-id");
    if (Files.isReadable(real)) {
      assertFalse(
          String.valueOf(birth.get("serial_number")).contains(Files.readString(real).strip()),
          "the BIRTH does not carry the machine id");
    }
  }

  /**
   * The same id as {@code systemd-id128 machine-id --app-specific=...} on this machine, when
   * systemd is here.
   */
  @Test
  void theDerivationIsSystemdsOwn() throws Exception {
    Path real = Path.of("/etc/machine-id");
    assumeTrue(
        Files.isReadable(real) && Files.isExecutable(Path.of("/usr/bin/systemd-id128")),
        "needs /etc/machine-id and systemd-id128");
    Process p =
        new ProcessBuilder(
                "/usr/bin/systemd-id128", "machine-id", "--app-specific=" + DeviceInfo.APP_ID)
            .redirectErrorStream(true)
            .start();
    String systemd = new String(p.getInputStream().readAllBytes()).strip();
    assumeTrue(p.waitFor() == 0, "systemd-id128 failed: " + systemd);
    assertEquals(systemd, DeviceInfo.machineId(real, "host"));
  }

  @Test
  void siteAndRegionAreInTheBirthWhenConfigured() throws Exception {
    Path dir = SharedData.scratchDirectory("device-info-site");
    Map<String, Object> none =
        DeviceInfo.of(Samples.config("tcp://127.0.0.1:1", dir.resolve("o.db"), Map.of()))
            .birthMetrics();
    assertFalse(none.containsKey("site") || none.containsKey("region"), none.toString());
    Map<String, Object> birth =
        DeviceInfo.of(
                Samples.config(
                    "tcp://127.0.0.1:1",
                    dir.resolve("o.db"),
                    Map.of("site", " border-post-7 ", "region", "north")))
            .birthMetrics();
    assertEquals("border-post-7", birth.get("site"));
    assertEquals("north", birth.get("region"));
  }
}
