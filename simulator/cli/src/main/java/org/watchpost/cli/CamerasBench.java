// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.watchpost.simulator.broker.EmbeddedBroker;
import org.watchpost.simulator.fleet.RuntimeConfiguration;

/**
 * {@code bench --cameras N}: the real runtime with N busy cameras, each playing the clip in real
 * time (10 fps, newest frame wins) with all analytics, camera health and the uplink on, sharing one
 * detector; it reports what each camera got of the detector, the frames it had to skip, its events
 * and the process's resident memory. Run it with 1 and with N to compare each camera's events with
 * one camera alone.
 */
final class CamerasBench {
  /** How often the runtime's resident memory is sampled. */
  static final long RSS_SAMPLE_MS = 500;

  /**
   * The first seconds of each camera's stream are left out of the CPU figure: JIT compilation, the
   * health baseline's first frames and the motion model's learning are a start-up cost, not a
   * camera's running cost.
   */
  static final double CPU_WARM_UP_S = 20;

  /** The CPU window ends this long before the first camera's end. */
  static final double CPU_END_MARGIN_S = 3;

  /** One sample of the runtime: when, its CPU seconds with its children's, and by thread name. */
  private record CpuSample(long nanos, double cpuSeconds, Map<String, Double> byName) {}

  private CamerasBench() {}

  static int run(int cameras, double seconds, String clip, String model, int threads, Path json)
      throws IOException, InterruptedException {
    Path work = Home.var("bench-cameras");
    try (var old = Files.list(work)) {
      for (Path p : old.filter(p -> p.getFileName().toString().startsWith("summary-")).toList()) {
        Files.delete(p);
      }
    }
    try (EmbeddedBroker broker = EmbeddedBroker.start(Home.var("bench-cameras/broker"))) {
      Path config = work.resolve("config.json");
      Files.writeString(
          config, configuration(cameras, seconds, clip, model, threads, broker.url(), work));
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      String javaOptions = System.getenv("WATCHPOST_JAVA_OPTS");
      if (javaOptions != null && !javaOptions.isBlank()) {
        command.addAll(List.of(javaOptions.trim().split("\\s+")));
      }
      command.add("-Dconfigurator.initial=" + config.toUri());
      command.add("-Dorg.osgi.framework.storage=" + Home.var("bench-cameras/framework"));
      command.add("-jar");
      command.add(Home.runtimeJar().toString());
      Path log = work.resolve("runtime.log");
      System.out.printf(
          Locale.ROOT,
          "bench: %d camera(s) on %s in real time for %.0f s, model %s, %d thread(s); runtime log %s%n",
          cameras,
          clip,
          seconds,
          model,
          threads,
          log);
      Process runtime =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .directory(Home.root().toFile())
              .start();
      Thread stopRuntime = new Thread(runtime::destroy);
      Runtime.getRuntime().addShutdownHook(stopRuntime);
      long peakRssKb = 0;
      List<Long> rssSamples = new ArrayList<>();
      List<Long> childRssSamples = new ArrayList<>();
      List<CpuSample> cpuSamples = new ArrayList<>();
      long firstSummaryNanos = Long.MIN_VALUE;
      long deadline = System.nanoTime() + (long) ((seconds + 180) * 1e9);
      try {
        int finished;
        while (runtime.isAlive()
            && System.nanoTime() < deadline
            && (finished = summaries(work).size()) < cameras) {
          if (finished > 0 && firstSummaryNanos == Long.MIN_VALUE) {
            firstSummaryNanos = System.nanoTime();
          }
          cpuSamples.add(
              new CpuSample(
                  System.nanoTime(),
                  ProcessCpu.seconds(runtime.pid()),
                  ProcessCpu.byName(runtime.pid())));
          long childRss = 0;
          for (long child : ProcessCpu.descendants(runtime.pid())) {
            childRss += rssKb(child);
          }
          childRssSamples.add(childRss);
          long rss = rssKb(runtime.pid());
          if (rss > 0) {
            rssSamples.add(rss);
            peakRssKb = Math.max(peakRssKb, rss);
          }
          Thread.sleep(RSS_SAMPLE_MS);
        }
      } finally {
        runtime.destroy();
        runtime.waitFor();
        Runtime.getRuntime().removeShutdownHook(stopRuntime);
      }
      List<Path> files = summaries(work);
      if (files.size() < cameras) {
        System.err.println(
            "bench: only " + files.size() + " of " + cameras + " cameras finished; see " + log);
        return 1;
      }
      if (firstSummaryNanos == Long.MIN_VALUE) {
        firstSummaryNanos = System.nanoTime();
      }
      return report(
          files,
          cameras,
          peakRssKb,
          rssSamples,
          childRssSamples,
          cpuWindow(cpuSamples, firstSummaryNanos, seconds),
          model,
          threads,
          json);
    }
  }

  /**
   * The samples that bracket the cameras' running time: from {@link #CPU_WARM_UP_S} into their
   * stream to the last sample before the first camera finished (they start together and run in real
   * time).
   */
  private static List<CpuSample> cpuWindow(
      List<CpuSample> samples, long firstSummaryNanos, double seconds) {
    CpuSample last = null;
    for (CpuSample s : samples) {
      // A camera's end closes its source, and the ffmpeg child it kills is reaped with the CPU time
      // of its
      // whole life: the window ends before that.
      if (s.nanos() < firstSummaryNanos - (long) (CPU_END_MARGIN_S * 1e9)) {
        last = s;
      }
    }
    if (last == null) {
      return List.of();
    }
    long from =
        last.nanos() - (long) (Math.max(1, seconds - CPU_WARM_UP_S - CPU_END_MARGIN_S) * 1e9);
    for (CpuSample s : samples) {
      if (s.nanos() >= from && s != last) {
        return List.of(s, last);
      }
    }
    return List.of();
  }

  private static int report(
      List<Path> files,
      int cameras,
      long peakRssKb,
      List<Long> rssSamples,
      List<Long> childRssSamples,
      List<CpuSample> cpu,
      String model,
      int threads,
      Path json)
      throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    double[] rates = new double[files.size()];
    long skipped = 0;
    for (int i = 0; i < files.size(); i++) {
      JsonObject s = JsonParser.parseString(Files.readString(files.get(i))).getAsJsonObject();
      double duration = s.get("duration_s").getAsDouble();
      long inferred = s.get("inferred_frames").getAsLong();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("camera", s.get("camera").getAsString());
      row.put("frames", s.get("frames").getAsLong());
      row.put("skipped_frames", s.get("skipped_frames").getAsLong());
      row.put("inferred_frames", inferred);
      row.put("detector_runs_per_s", round(duration > 0 ? inferred / duration : 0));
      row.put("events_published", s.get("events_published").getAsLong());
      row.put("events_by_type", s.has("events_by_type") ? s.get("events_by_type").toString() : "");
      row.put("detections", s.has("detections") ? s.get("detections").toString() : "");
      rows.add(row);
      rates[i] = (double) row.get("detector_runs_per_s");
      skipped += s.get("skipped_frames").getAsLong();
    }
    Arrays.sort(rates);
    long[] rss = rssSamples.stream().mapToLong(Long::longValue).sorted().toArray();
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("cameras", cameras);
    figures.put("model", model);
    figures.put("threads", threads);
    figures.put("detector_runs_per_s_min", rates[0]);
    figures.put("detector_runs_per_s_median", rates[rates.length / 2]);
    figures.put("skipped_frames", skipped);
    figures.put("peak_rss_mb", round(peakRssKb / 1024.0));
    figures.put("median_rss_mb", rss.length == 0 ? 0 : round(rss[rss.length / 2] / 1024.0));
    if (cpu.size() == 2) {
      double wall = (cpu.get(1).nanos() - cpu.get(0).nanos()) / 1e9;
      double cores = (cpu.get(1).cpuSeconds() - cpu.get(0).cpuSeconds()) / wall;
      figures.put("cpu_window_s", round(wall));
      figures.put("cores", Math.round(cores * 1000) / 1000.0);
      figures.put("cores_per_camera", Math.round(cores / cameras * 1000) / 1000.0);
      Map<String, Double> where = new LinkedHashMap<>();
      cpu.get(1).byName().entrySet().stream()
          .map(
              e ->
                  Map.entry(
                      e.getKey(),
                      (e.getValue() - cpu.get(0).byName().getOrDefault(e.getKey(), 0.0)) / wall))
          .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
          .forEach(
              e -> {
                if (e.getValue() >= 0.001) {
                  where.put(e.getKey(), Math.round(e.getValue() * 1000) / 1000.0);
                } else {
                  where.merge("threads under 0.001 each", e.getValue(), Double::sum);
                }
              });
      where.computeIfPresent("threads under 0.001 each", (k, v) -> Math.round(v * 1000) / 1000.0);
      figures.put("cores_by_thread", where);
    }
    long[] childRss = childRssSamples.stream().mapToLong(Long::longValue).sorted().toArray();
    figures.put(
        "decoders_median_rss_mb",
        childRss.length == 0 ? 0 : round(childRss[childRss.length / 2] / 1024.0));
    figures.put("per_camera", rows);
    for (Map<String, Object> row : rows) {
      System.out.printf(
          Locale.ROOT,
          "  %-6s frames %5d skipped %5d detector %6.2f runs/s events %3d %s%n",
          row.get("camera"),
          row.get("frames"),
          row.get("skipped_frames"),
          row.get("detector_runs_per_s"),
          row.get("events_published"),
          row.get("events_by_type"));
    }
    System.out.printf(
        Locale.ROOT,
        "  detector runs/s per camera: min %.2f, median %.2f; skipped frames %d; resident memory peak %.1f MB, median %.1f MB%n",
        figures.get("detector_runs_per_s_min"),
        figures.get("detector_runs_per_s_median"),
        skipped,
        figures.get("peak_rss_mb"),
        figures.get("median_rss_mb"));
    if (figures.containsKey("cores")) {
      System.out.printf(
          Locale.ROOT,
          "  CPU (runtime and its decoders, %.0f s after %.0f s of warm-up): %.3f cores, %.3f cores per camera%n",
          figures.get("cpu_window_s"),
          CPU_WARM_UP_S,
          figures.get("cores"),
          figures.get("cores_per_camera"));
      System.out.println("  by thread: " + figures.get("cores_by_thread"));
      System.out.printf(
          Locale.ROOT,
          "  decoder processes (ffmpeg) resident memory, median: %.1f MB%n",
          figures.get("decoders_median_rss_mb"));
    }
    if (json != null) {
      Files.writeString(
          json, new GsonBuilder().setPrettyPrinting().create().toJson(figures) + "\n");
    }
    return 0;
  }

  private static List<Path> summaries(Path work) throws IOException {
    try (var files = Files.list(work)) {
      return files
          .filter(
              p ->
                  p.getFileName().toString().startsWith("summary-")
                      && p.toString().endsWith(".json"))
          .sorted()
          .toList();
    }
  }

  /**
   * Resident set of a process from /proc, kB; 0 where there is none (not Linux, or it has ended).
   */
  static long rssKb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  static String configuration(
      int cameras,
      double seconds,
      String clip,
      String model,
      int threads,
      String brokerUrl,
      Path work)
      throws IOException {
    RuntimeConfiguration config =
        new RuntimeConfiguration("watchpost.bench-cameras")
            .detector(Detectors.manifest(model), threads);
    for (int c = 1; c <= cameras; c++) {
      String id = "cam" + c;
      Map<String, Object> camera = config.camera(id, clip);
      camera.put("feed.mode", "newest_wins");
      camera.put("realtime", true);
      camera.put("loop", true);
      camera.put("max.seconds", seconds);
      camera.put("summary.file", work.resolve("summary-" + id + ".json").toString());
    }
    config.vtestRules(Home.root());
    config.uplink(
        brokerUrl,
        "bench-cameras",
        work.resolve("outbox-" + System.currentTimeMillis() + ".db"),
        0);
    config.health(work.resolve("baselines"), work);
    config.models(work.resolve("models"), Home.root().resolve("models/keys"));
    return config.json();
  }
}
