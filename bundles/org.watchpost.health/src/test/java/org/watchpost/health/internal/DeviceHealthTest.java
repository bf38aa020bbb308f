// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.watchpost.api.health.MetricsProvider;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

class DeviceHealthTest {

  private static DeviceHealthComponent device(Map<String, Object> overrides) {
    Map<String, Object> config =
        new HashMap<>(Map.of("data_dir", "target", "report_interval_s", 3600.0));
    config.putAll(overrides);
    return new DeviceHealthComponent(Configs.with(DeviceHealthConfig.class, config));
  }

  @Test
  void thisMachinesKernelAndJvmAreReadAndAMissingThermalDirectoryLeavesTemperatureOut()
      throws Exception {
    DeviceHealthComponent device = device(Map.of("thermal_dir", "target/no-such-thermal"));
    try {
      busyWork();
      Map<String, Object> metrics = device.sample();
      for (String name :
          new String[] {
            "cpu_load_percent",
            "load_average_1m",
            "memory_total_mb",
            "memory_available_mb",
            "jvm_heap_used_mb",
            "jvm_heap_max_mb",
            "disk_free_mb",
            "disk_total_mb",
            "uptime_s",
            "jvm_uptime_s"
          }) {
        assertTrue(
            metrics.get(name) instanceof Double value && value >= 0, name + " in " + metrics);
      }
      double load = (Double) metrics.get("cpu_load_percent");
      assertTrue(load > 0 && load <= 100, "busy share of the work just done: " + load);
      assertTrue((Double) metrics.get("memory_total_mb") > 100);
      assertFalse(metrics.containsKey("cpu_temperature_c"), "absent, not zero: " + metrics);
    } finally {
      device.deactivate();
    }
  }

  private static void busyWork() {
    long until = System.nanoTime() + 200_000_000L;
    double sink = 0;
    while (System.nanoTime() < until) {
      sink += Math.sqrt(sink + 1);
    }
    assertTrue(sink > 0);
  }

  @Test
  void theProcessorsThermalZoneIsPreferredAndUnreadableZonesAreSkipped() throws Exception {
    Path thermal = SharedData.scratchDirectory("thermal");
    zone(thermal, 0, "acpitz", "61000\n");
    zone(thermal, 1, "x86_pkg_temp", "48500\n");
    zone(thermal, 2, "cpu-thermal", "garbage");
    DeviceHealthComponent device = device(Map.of("thermal_dir", thermal.toString()));
    try {
      assertEquals(48.5, device.sample().get("cpu_temperature_c"));
      Files.delete(thermal.resolve("thermal_zone1/temp"));
      assertEquals(
          61.0, device.sample().get("cpu_temperature_c"), "without a processor zone, the hottest");
    } finally {
      device.deactivate();
    }
  }

  private static void zone(Path thermal, int index, String type, String temp) throws Exception {
    Path zone = Files.createDirectories(thermal.resolve("thermal_zone" + index));
    Files.writeString(zone.resolve("type"), type + "\n");
    Files.writeString(zone.resolve("temp"), temp);
  }

  @Test
  void withoutProcOrADataDirectoryThoseMetricsAreAbsentAndTheRestRemains() {
    DeviceHealthComponent device =
        device(
            Map.of(
                "proc_dir",
                "target/no-such-proc",
                "data_dir",
                "target/no-such-data",
                "thermal_dir",
                "target/no-such-thermal"));
    try {
      Map<String, Object> metrics = device.sample();
      assertEquals(
          java.util.Set.of("jvm_heap_used_mb", "jvm_heap_max_mb", "jvm_uptime_s"),
          metrics.keySet());
    } finally {
      device.deactivate();
    }
  }

  @Test
  void theSameCountFromSeveralProvidersIsAddedUp() {
    DeviceHealthComponent device = device(Map.of());
    try {
      device.addProvider(() -> Map.of(MetricsProvider.FRAMES_SKIPPED, 12L));
      device.addProvider(() -> Map.of(MetricsProvider.FRAMES_SKIPPED, 5L));
      device.addProvider(
          () ->
              Map.of(MetricsProvider.FRAMES_SKIPPED, 0L, MetricsProvider.MODEL_NAME, "yolox-nano"));
      Map<String, Object> metrics = device.sample();
      assertEquals(17L, metrics.get("frames_skipped"), "the skipped frames of three cameras");
      assertEquals("yolox-nano", metrics.get("model_name"));
    } finally {
      device.deactivate();
    }
  }

  @Test
  void metricsOfOtherBundlesComeAndGoWithTheirProvidersAndAFailingOneHarmsNoOther() {
    DeviceHealthComponent device = device(Map.of());
    MetricsProvider pipeline =
        () ->
            Map.of(
                MetricsProvider.INFERENCE_LATENCY_P50_MS,
                41.5,
                MetricsProvider.INFERENCE_LATENCY_P95_MS,
                77.0,
                MetricsProvider.FRAMES_SKIPPED,
                12L);
    MetricsProvider models =
        () ->
            Map.of(
                MetricsProvider.MODEL_NAME,
                "yolox-nano",
                MetricsProvider.MODEL_VERSION,
                "1",
                MetricsProvider.MODEL_SHA256,
                "ab12",
                "model_verified",
                true,
                "not_a_metric",
                new Object());
    MetricsProvider broken =
        () -> {
          throw new IllegalStateException("outbox closed");
        };
    try {
      device.addProvider(pipeline);
      device.addProvider(broken);
      device.addProvider(models);
      Map<String, Object> metrics = device.sample();
      assertEquals(41.5, metrics.get("inference_latency_p50_ms"));
      assertEquals(12L, metrics.get("frames_skipped"));
      assertEquals("yolox-nano", metrics.get("model_name"));
      assertEquals(true, metrics.get("model_verified"));
      assertFalse(metrics.containsKey("not_a_metric"), "only numbers, strings and booleans");
      device.removeProvider(pipeline);
      assertFalse(device.sample().containsKey("inference_latency_p50_ms"));
    } finally {
      device.deactivate();
    }
  }

  @Test
  @Timeout(30)
  void reportsGoToEverySinkAtTheConfiguredInterval() throws Exception {
    DeviceHealthComponent device = device(Map.of("report_interval_s", 0.2));
    RecordingSink first = new RecordingSink();
    RecordingSink second = new RecordingSink();
    try {
      device.addSink(first);
      device.addSink(second);
      while (first.reports.size() < 3 || second.reports.isEmpty()) {
        Thread.sleep(50);
      }
      assertEquals("device", first.reports.get(0).subject());
      assertTrue(first.reports.get(2).metrics().containsKey("jvm_heap_used_mb"));
    } finally {
      device.deactivate();
    }
  }

  @Test
  void kernelFilesParseAndNonsenseGivesNothing() {
    long[] before = SystemFiles.cpuTicks("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5\n");
    long[] after = SystemFiles.cpuTicks("cpu  160 0 70 900 70 0 0 0 0 0\n");
    assertEquals(80.0 / 200, SystemFiles.busyShare(before, after), 1e-9);
    assertTrue(Double.isNaN(SystemFiles.busyShare(after, before)), "counters never run back");
    assertEquals(0, SystemFiles.cpuTicks("cpu  1 2 x 4 5").length);
    assertEquals(OptionalDouble.of(0.52), SystemFiles.firstNumber("0.52 0.58 0.59 1/123 4567\n"));
    assertEquals(OptionalDouble.empty(), SystemFiles.firstNumber("-1 2"));
    assertEquals(
        Map.of("MemTotal", 16000L, "MemAvailable", 8000L),
        SystemFiles.meminfoKb(
            "MemTotal:       16000 kB\nMemAvailable:    8000 kB\nHugePages_Total: x\n"));
    assertEquals(OptionalDouble.of(-5.5), SystemFiles.celsius("-5500\n"));
    assertEquals(OptionalDouble.empty(), SystemFiles.celsius("999999999"));
    assertTrue(
        SystemFiles.isProcessorZone("x86_pkg_temp") && !SystemFiles.isProcessorZone("battery"));
  }
}
