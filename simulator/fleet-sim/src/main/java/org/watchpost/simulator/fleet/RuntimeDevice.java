// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Watchpost runtime (the exported runnable jar) in a child JVM, configured through a
 * generated OSGi Configurator file: one camera configuration per camera (a border post box with
 * four cameras is one runtime), the default rules, and the uplink pointed at the device's link
 * simulator. The device's own wall-clock timers are divided by the scenario speed and its budget
 * multiplied by it, so that they hold in scenario time; its cameras play at their real rate.
 */
final class RuntimeDevice implements SimulatedDevice {
  private static final Logger LOG = LoggerFactory.getLogger(RuntimeDevice.class);
  private final String id;
  private final Path work;
  private final List<String> cameraIds = new ArrayList<>();
  private final Process process;

  /** Where the runtime and what it reads are. */
  record Home(Path root, Path runtimeJar, Path shared) {
    Path clip(String name) {
      Path path = Path.of(name);
      if (path.isAbsolute()) {
        return path;
      }
      Path inShared = shared.resolve("data/video").resolve(name);
      return Files.exists(inShared) ? inShared : root.resolve(name);
    }
  }

  /**
   * @param cameraUrls for cameras served by the camera simulator: camera id to stream URL; empty
   *     when the runtime reads the clips itself
   * @param rollout keys of the scenario's rollout, which the device must trust; null when it has
   *     none
   */
  RuntimeDevice(
      String id,
      Scenario.Device spec,
      Scenario scenario,
      String brokerUrl,
      Path work,
      Home home,
      double cameraSeconds,
      Map<String, String> cameraUrls,
      ScenarioRollout.Kit rollout)
      throws IOException {
    this.id = id;
    this.work = work;
    // A fresh device: no outbox, framework cache or baselines from an earlier run (its seq starts
    // at 1 again).
    deleteTree(work);
    Files.createDirectories(work);
    Path config = work.resolve("config.json");
    Files.writeString(
        config,
        configuration(
            id, spec, scenario.speed(), brokerUrl, cameraSeconds, home, cameraUrls, rollout));
    for (Scenario.Camera camera : spec.cameras()) {
      cameraIds.add(camera.id());
      Files.deleteIfExists(summaryFile(camera.id()));
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-Dconfigurator.initial=" + config.toUri());
    command.add("-Dorg.osgi.framework.storage=" + work.resolve("framework"));
    command.add("-jar");
    command.add(home.runtimeJar().toString());
    process =
        new ProcessBuilder(command)
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("runtime.log").toFile())
            .start();
    Process started = process;
    Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
    LOG.info(
        "device {}: runtime pid {} with {} cameras; log {}",
        id,
        process.pid(),
        cameraIds.size(),
        work.resolve("runtime.log"));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private Path summaryFile(String cameraId) {
    return work.resolve("summary-" + cameraId + ".json");
  }

  String configuration(
      String deviceId,
      Scenario.Device spec,
      double speed,
      String brokerUrl,
      double cameraSeconds,
      Home home,
      Map<String, String> cameraUrls,
      ScenarioRollout.Kit rollout)
      throws IOException {
    RuntimeConfiguration config =
        new RuntimeConfiguration("watchpost.sim." + deviceId)
            .detector(
                home.root().resolve("models/yolox-nano/manifest.json"),
                spec.threads() > 0 ? spec.threads() : 2);
    for (Scenario.Camera camera : spec.cameras()) {
      String url = cameraUrls.get(camera.id());
      // The camera simulator plays the clip and its faults when there is one; the runtime sees an
      // IP camera.
      Map<String, Object> c =
          config.camera(camera.id(), url != null ? url : home.clip(camera.clip()).toString());
      // A live camera: real rate, newest frame wins when the box cannot keep up.
      c.put("feed.mode", "newest_wins");
      if (url != null) {
        c.put("faults", "");
      } else {
        c.put("realtime", true);
        c.put("loop", true);
        c.put("faults", camera.faults() == null ? "" : camera.faults());
      }
      // Each camera plays its share of the scenario in its own time, whatever share of its frames
      // the box analyses.
      c.put("max.seconds", cameraSeconds);
      c.put("summary.file", summaryFile(camera.id()).toString());
      c.put("exit.when.done", false);
    }
    config.vtestRules(home.root());
    Map<String, Object> uplink =
        config.uplink(
            brokerUrl,
            deviceId,
            work.resolve("outbox.db"),
            Math.round(spec.budgetBitsPerS() * speed));
    uplink.put("display.name", "Watchpost " + deviceId);
    uplink.put("serial.number", "SIM-" + deviceId);
    if (spec.downlinkBudgetBitsPerS() > 0) {
      uplink.put("downlink.budget.bits.per.s", Math.round(spec.downlinkBudgetBitsPerS() * speed));
    }
    // The device's wall-clock timers, in scenario time.
    uplink.put("keep.alive.s", Math.max(10, (int) Math.round(300 / speed)));
    uplink.put("reconnect.initial.ms", Math.max(10, Math.round(2_000 / speed)));
    uplink.put("reconnect.max.ms", Math.max(100, Math.round(300_000 / speed)));
    uplink.put("connect.timeout.s", Math.max(1, (int) Math.round(30 / speed)));
    uplink.put("fold.after.s", Math.max(1, (int) Math.round(120 / speed)));
    uplink.put("fold.interval.s", Math.max(1, (int) Math.round(60 / speed)));
    uplink.put("drain.on.stop.s", 60);
    if (rollout != null) {
      // Everything else is the device's default: chunk size, window, validation, the transfer's
      // limits.
      Map<String, Object> models = config.pid("org.watchpost.models");
      models.put("state.dir", work.resolve("models").toString());
      models.put("trusted.keys.dir", rollout.trustedKeys().toString());
      models.put("console.keys.dir", rollout.consoleKeys().toString());
      if (spec.rollout().probationS() > 0) {
        models.put("probation.s", spec.rollout().probationS());
      }
    }
    Map<String, Object> cameraHealth = config.health(work.resolve("baselines"), work);
    cameraHealth.put("baseline.learn.s", 10.0);
    cameraHealth.put("report.interval.s", 30.0);
    config.pid("org.watchpost.health.device").put("report.interval.s", Math.max(1.0, 60 / speed));
    return config.json();
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public boolean finished() {
    return cameraIds.stream().allMatch(c -> Files.exists(summaryFile(c))) || !process.isAlive();
  }

  boolean alive() {
    return process.isAlive();
  }

  @Override
  public void stop() {
    if (process.isAlive()) {
      // SIGTERM: the framework stops, the uplink drains and sends its disconnect certificate.
      process.destroy();
      try {
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
          LOG.warn("device {}: runtime did not stop within 90 s; killed", id);
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The cameras' summaries merged: events the analytics produced, what the uplink folded or
   * dropped, alarms.
   */
  @Override
  public Map<String, Object> ownReport() {
    Map<String, Object> report = new LinkedHashMap<>();
    long produced = 0;
    Map<String, Object> cameras = new LinkedHashMap<>();
    JsonObject last = null;
    for (String camera : cameraIds) {
      Path file = summaryFile(camera);
      if (!Files.exists(file)) {
        cameras.put(camera, Map.of("summary", "missing"));
        continue;
      }
      try {
        JsonObject s = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        // Analytics counts for the whole device; the camera that ended last saw them all.
        JsonObject byType =
            s.has("events_by_type") ? s.getAsJsonObject("events_by_type") : new JsonObject();
        long total = byType.entrySet().stream().mapToLong(e -> e.getValue().getAsLong()).sum();
        if (total >= produced) {
          produced = total;
          last = s;
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("frames", s.get("frames").getAsLong());
        c.put("skipped_frames", s.get("skipped_frames").getAsLong());
        c.put("fps", s.get("fps").getAsDouble());
        cameras.put(camera, c);
      } catch (IOException | RuntimeException e) {
        cameras.put(camera, Map.of("summary", "unreadable: " + e.getMessage()));
      }
    }
    report.put("events_produced", produced);
    report.put("cameras", cameras);
    if (last != null) {
      report.put(
          "folded_events", last.has("folded_events") ? last.get("folded_events").getAsLong() : 0);
      report.put("dropped", last.has("dropped") ? last.get("dropped").getAsLong() : 0);
      report.put(
          "device_health_alarms", GSON_TREE.fromJson(last.get("health_alarms"), Object.class));
      report.put("model", GSON_TREE.fromJson(last.get("model"), Object.class));
    }
    return report;
  }

  private static final com.google.gson.Gson GSON_TREE = new com.google.gson.Gson();

  Path work() {
    return work;
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
