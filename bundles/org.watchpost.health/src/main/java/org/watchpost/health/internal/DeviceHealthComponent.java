// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.health.MetricsProvider;
import org.watchpost.api.host.HostFramework;

/**
 * Sends a device health report (subject {@code device}) to every health sink at a fixed interval:
 * what the kernel and the JVM say about the device, plus whatever every {@link MetricsProvider}
 * publishes. A metric that cannot be read is left out, never reported as zero.
 */
@Component(
    service = {},
    immediate = true,
    configurationPid = DeviceHealthConfig.PID)
@Designate(ocd = DeviceHealthConfig.class)
public final class DeviceHealthComponent {
  static final String SUBJECT = "device";
  private static final Logger LOG = LoggerFactory.getLogger(DeviceHealthComponent.class);
  private static final double MB = 1024.0 * 1024.0;

  private final List<HealthSink> sinks = new CopyOnWriteArrayList<>();
  private final List<MetricsProvider> providers = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "watchpost-device-health");
            thread.setDaemon(true);
            return thread;
          });
  private volatile DeviceHealthConfig config;
  private ScheduledFuture<?> schedule;
  private long[] lastCpuTicks = new long[0];

  /** Kura's data directory, under which relative paths go; null outside Kura. */
  private final String kuraData;

  @Activate
  public DeviceHealthComponent(DeviceHealthConfig config, BundleContext context) {
    this(config, context.getProperty(HostFramework.KURA_DATA));
  }

  public DeviceHealthComponent(DeviceHealthConfig config) {
    this(config, (String) null);
  }

  DeviceHealthComponent(DeviceHealthConfig config, String kuraData) {
    this.kuraData = kuraData;
    this.config = config;
    lastCpuTicks = cpuTicks(config);
    reschedule();
  }

  @Modified
  void modified(DeviceHealthConfig config) {
    this.config = config;
    reschedule();
  }

  private synchronized void reschedule() {
    if (schedule != null) {
      schedule.cancel(false);
    }
    long periodMillis = Math.max(1, Math.round(config.report_interval_s() * 1000));
    schedule =
        timer.scheduleAtFixedRate(this::report, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addSink(HealthSink sink) {
    sinks.add(sink);
  }

  void removeSink(HealthSink sink) {
    sinks.remove(sink);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addProvider(MetricsProvider provider) {
    providers.add(provider);
  }

  void removeProvider(MetricsProvider provider) {
    providers.remove(provider);
  }

  private void report() {
    try {
      HealthReport report = new HealthReport(SUBJECT, System.currentTimeMillis(), sample());
      for (HealthSink sink : sinks) {
        try {
          sink.report(report);
        } catch (RuntimeException e) {
          LOG.warn("health sink {} refused the device report: {}", sink, e.toString());
        }
      }
    } catch (RuntimeException e) {
      LOG.error("device health report failed", e);
    }
  }

  /** The device's metrics now; CPU load is the busy share since the previous sample. */
  synchronized Map<String, Object> sample() {
    DeviceHealthConfig c = config;
    Map<String, Object> metrics = new LinkedHashMap<>();
    Path proc = Path.of(c.proc_dir());

    long[] ticks = cpuTicks(c);
    double busy = SystemFiles.busyShare(lastCpuTicks, ticks);
    lastCpuTicks = ticks;
    put(
        metrics,
        "cpu_load_percent",
        Double.isNaN(busy) ? OptionalDouble.empty() : OptionalDouble.of(100 * busy));
    put(
        metrics,
        "load_average_1m",
        SystemFiles.read(proc.resolve("loadavg"))
            .map(SystemFiles::firstNumber)
            .orElse(OptionalDouble.empty()));
    put(metrics, "cpu_temperature_c", cpuTemperature(Path.of(c.thermal_dir())));

    Map<String, Long> memory =
        SystemFiles.read(proc.resolve("meminfo")).map(SystemFiles::meminfoKb).orElse(Map.of());
    if (memory.containsKey("MemTotal")) {
      metrics.put("memory_total_mb", round(memory.get("MemTotal") / 1024.0));
    }
    if (memory.containsKey("MemAvailable")) {
      metrics.put("memory_available_mb", round(memory.get("MemAvailable") / 1024.0));
    }

    Runtime runtime = Runtime.getRuntime();
    metrics.put("jvm_heap_used_mb", round((runtime.totalMemory() - runtime.freeMemory()) / MB));
    metrics.put("jvm_heap_max_mb", round(runtime.maxMemory() / MB));

    Path data = HostFramework.resolve(kuraData, c.data_dir());
    if (Files.isDirectory(data)) {
      try {
        FileStore store = Files.getFileStore(data);
        metrics.put("disk_free_mb", round(store.getUsableSpace() / MB));
        metrics.put("disk_total_mb", round(store.getTotalSpace() / MB));
      } catch (IOException e) {
        LOG.debug("no disk figures for {}: {}", data, e.getMessage());
      }
    }

    put(
        metrics,
        "uptime_s",
        SystemFiles.read(proc.resolve("uptime"))
            .map(SystemFiles::firstNumber)
            .orElse(OptionalDouble.empty()));
    metrics.put("jvm_uptime_s", round(ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0));

    for (MetricsProvider provider : providers) {
      try {
        provider
            .metrics()
            .forEach(
                (name, value) -> {
                  if (value instanceof Number
                      || value instanceof String
                      || value instanceof Boolean) {
                    metrics.merge(name, value, DeviceHealthComponent::addCounts);
                  }
                });
      } catch (RuntimeException e) {
        LOG.warn("metrics provider {} failed: {}", provider, e.toString());
      }
    }
    return metrics;
  }

  /**
   * Several providers of one name (a count per camera): numbers are added; otherwise the later one
   * stands.
   */
  private static Object addCounts(Object first, Object second) {
    if (first instanceof Number a && second instanceof Number b) {
      boolean whole =
          (a instanceof Long || a instanceof Integer)
              && (b instanceof Long || b instanceof Integer);
      return whole
          ? (Object) (a.longValue() + b.longValue())
          : (Object) (a.doubleValue() + b.doubleValue());
    }
    return second;
  }

  private static long[] cpuTicks(DeviceHealthConfig c) {
    return SystemFiles.read(Path.of(c.proc_dir()).resolve("stat"))
        .map(SystemFiles::cpuTicks)
        .orElse(new long[0]);
  }

  /**
   * The processor's zone if one is named so, else the hottest zone; empty without readable zones.
   */
  private static OptionalDouble cpuTemperature(Path thermal) {
    double processor = Double.NaN;
    double hottest = Double.NaN;
    try (DirectoryStream<Path> zones = Files.newDirectoryStream(thermal, "thermal_zone*")) {
      for (Path zone : zones) {
        OptionalDouble celsius =
            SystemFiles.read(zone.resolve("temp"))
                .map(SystemFiles::celsius)
                .orElse(OptionalDouble.empty());
        if (celsius.isEmpty()) {
          continue;
        }
        double value = celsius.getAsDouble();
        hottest = Double.isNaN(hottest) ? value : Math.max(hottest, value);
        if (SystemFiles.read(zone.resolve("type"))
            .map(SystemFiles::isProcessorZone)
            .orElse(false)) {
          processor = Double.isNaN(processor) ? value : Math.max(processor, value);
        }
      }
    } catch (IOException | RuntimeException e) {
      return OptionalDouble.empty();
    }
    double chosen = Double.isNaN(processor) ? hottest : processor;
    return Double.isNaN(chosen) ? OptionalDouble.empty() : OptionalDouble.of(chosen);
  }

  private static void put(Map<String, Object> metrics, String name, OptionalDouble value) {
    if (value.isPresent()) {
      metrics.put(name, round(value.getAsDouble()));
    }
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  @Deactivate
  void deactivate() {
    timer.shutdownNow();
  }
}
