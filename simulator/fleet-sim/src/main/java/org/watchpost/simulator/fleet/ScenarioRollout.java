// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.packaging.SigningKeys;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.simulator.link.LinkSimulator;
import org.watchpost.simulator.link.SimClock;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * A model package delivered to a runtime during a scenario, end to end: the real rollout console
 * ({@code watchpost fleet rollout}, in a child JVM, as an operator runs it) sends the device's
 * factory model re-signed as a new version over the broker and the device's simulated link; the
 * device's install notifications are watched at the centre, so the report says when the command was
 * given, when the device activated the package (its {@code PROBATION} notification arrived) and
 * kept it ({@code COMPLETED}), what the link carried meanwhile each way, and how late the camera
 * alarms raised meanwhile arrived.
 */
final class ScenarioRollout implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScenarioRollout.class);
  static final String ACCOUNT = "watchpost";

  /** Notifications are small; anything larger on the install topic is not one. */
  private static final int MAX_NOTIFY_BYTES = 64 * 1024;

  /**
   * Keys and the package, made once per run: what a release team and an operations team would hold.
   */
  record Kit(
      Path trustedKeys, Path consoleKeys, Path consoleKey, Path packageFile, long packageBytes) {
    static Kit make(Path dir, RuntimeDevice.Home home, String version) throws Exception {
      Files.createDirectories(dir);
      KeyPair release = SigningKeys.generate();
      Path trusted = Files.createDirectories(dir.resolve("keys"));
      Files.writeString(trusted.resolve("release.pub"), SigningKeys.publicPem(release.getPublic()));
      KeyPair console = SigningKeys.generate();
      Path consoleKeys = Files.createDirectories(dir.resolve("console-keys"));
      Files.writeString(
          consoleKeys.resolve("console.pub"), SigningKeys.publicPem(console.getPublic()));
      // The console reads its private key from a directory the device never sees.
      Path consolePrivate = Files.createDirectories(dir.resolve("console-private"));
      Files.writeString(
          consolePrivate.resolve("console.pub"), SigningKeys.publicPem(console.getPublic()));
      Path key = consolePrivate.resolve("console.key");
      Files.writeString(key, SigningKeys.privatePem(console.getPrivate()));
      Path pkg = dir.resolve("yolox-nano-" + version + ".zip");
      new PackageBuilder(home.root().resolve("models/yolox-nano/manifest.json"))
          .version(version)
          .modelFile(home.shared().resolve("models/yolox-nano/yolox_nano.onnx"))
          .build(pkg, release.getPrivate(), release.getPublic());
      return new Kit(trusted, consoleKeys, key, pkg, Files.size(pkg));
    }
  }

  private final String deviceId;
  private final Scenario.Rollout spec;
  private final Kit kit;
  private final Path dir;
  private final SimClock clock;
  private final Map<String, Double> firstStatusAt = new ConcurrentHashMap<>();
  private volatile long lastProgress = -1;
  private volatile String lastStatus = "";
  private volatile String lastReason = "";
  private MqttClient watcher;
  private Process console;
  private double commandAt = Double.NaN;
  private double consoleExitAt = Double.NaN;

  ScenarioRollout(String deviceId, Scenario.Rollout spec, Kit kit, Path dir, SimClock clock) {
    this.deviceId = deviceId;
    this.spec = spec;
    this.kit = kit;
    this.dir = dir;
    this.clock = clock;
  }

  /** Watches the device's install notifications from the start, so none is missed. */
  void watch(String brokerUrl) throws MqttException {
    watcher = new MqttClient(brokerUrl, "rollout-watch-" + deviceId, new MemoryPersistence());
    MqttConnectOptions options = new MqttConnectOptions();
    options.setAutomaticReconnect(true);
    options.setCleanSession(true);
    watcher.connect(options);
    watcher.subscribe(
        "$EDC/"
            + ACCOUNT
            + "/"
            + deviceId
            + "/"
            + ModelProtocol.APP_ID
            + "/NOTIFY/+/"
            + ModelProtocol.NOTIFY_INSTALL,
        1,
        (topic, message) -> noted(message.getPayload()));
  }

  private void noted(byte[] wire) {
    if (wire.length > MAX_NOTIFY_BYTES) {
      return;
    }
    double now = clock.seconds();
    try {
      for (KuraPayload p : KuraPayloadCodec.decodeMessages(wire, MAX_NOTIFY_BYTES)) {
        String status = p.stringMetric(ModelProtocol.STATUS);
        if (status == null) {
          continue;
        }
        if (firstStatusAt.putIfAbsent(status, now) == null) {
          LOG.info("rollout to {}: {} at scenario second {}", deviceId, status, Math.round(now));
        }
        lastStatus = status;
        Long progress = p.longMetric(ModelProtocol.PROGRESS);
        if (progress != null) {
          lastProgress = progress;
        }
        String reason = p.stringMetric(ModelProtocol.REASON);
        if (reason != null) {
          lastReason = reason;
        }
      }
    } catch (RuntimeException | IOException e) {
      LOG.warn("rollout to {}: unreadable notification: {}", deviceId, e.toString());
    }
  }

  boolean due() {
    return console == null && clock.seconds() >= spec.atS();
  }

  /**
   * Gives the console's command: {@code watchpost fleet rollout} for this one device, in a child
   * JVM.
   */
  void start(String brokerUrl) throws IOException {
    Files.createDirectories(dir);
    Path devices = dir.resolve("devices.txt");
    Files.writeString(devices, deviceId + "\n");
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                RolloutConsole.class.getName(),
                "rollout",
                "--broker",
                brokerUrl,
                "--account",
                ACCOUNT,
                "--console-id",
                "rollout-console-" + deviceId,
                "--devices",
                devices.toString(),
                "--package",
                kit.packageFile().toString(),
                "--console-key",
                kit.consoleKey().toString(),
                "--canary",
                "100%",
                "--waves",
                "",
                "--state",
                dir.resolve("rollout.db").toString(),
                "--print-every",
                "60s",
                "--attempt-timeout",
                "30m",
                "--command-lifetime",
                "15m"));
    commandAt = clock.seconds();
    console =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("console.log").toFile())
            .start();
    Process started = console;
    Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
    LOG.info(
        "rollout to {}: console pid {} at scenario second {}; log {}",
        deviceId,
        console.pid(),
        Math.round(commandAt),
        dir.resolve("console.log"));
  }

  /**
   * The console is done (the device runs the package, or it failed for good), or the rollout ran
   * out of time.
   */
  boolean settled() {
    if (console != null && !console.isAlive() && Double.isNaN(consoleExitAt)) {
      consoleExitAt = clock.seconds();
    }
    return (console != null && !console.isAlive()) || clock.seconds() >= spec.maxS();
  }

  double maxS() {
    return spec.maxS();
  }

  Map<String, Object> report(
      LinkSimulator link, long linkBits, long upLinkBits, List<FleetObserver.Alarm> alarms) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("package_bytes", kit.packageBytes());
    r.put("version", spec.version());
    r.put("command_at_s", round(commandAt));
    Map<String, Object> statuses = new LinkedHashMap<>();
    firstStatusAt.entrySet().stream()
        .sorted(Map.Entry.comparingByValue())
        .forEach(e -> statuses.put(e.getKey(), round(e.getValue() - commandAt)));
    r.put("first_status_after_s", statuses);
    r.put("last_status", lastStatus);
    r.put("last_progress", lastProgress);
    if (!lastReason.isEmpty()) {
      r.put("last_reason", lastReason);
    }
    Integer exit = console != null && !console.isAlive() ? console.exitValue() : null;
    r.put("console_exit", exit == null ? "running" : exit);
    Double activated = firstStatusAt.get("PROBATION");
    if (activated == null) {
      activated = firstStatusAt.get("INSTALLED");
    }
    Double downloaded = firstStatusAt.get("VERIFYING");
    double end = activated != null ? activated : clock.seconds();
    r.put("activated", activated != null);
    r.put("command_to_activated_s", activated == null ? null : round(activated - commandAt));
    r.put(
        "command_to_activated_min", activated == null ? null : round((activated - commandAt) / 60));
    r.put("command_to_downloaded_s", downloaded == null ? null : round(downloaded - commandAt));
    Double completed = firstStatusAt.get("COMPLETED");
    r.put("command_to_completed_s", completed == null ? null : round(completed - commandAt));
    if (link != null && !Double.isNaN(commandAt)) {
      int from = (int) Math.floor(commandAt);
      int to = (int) Math.ceil(downloaded != null ? downloaded : end);
      long up = sum(link.bytesPerSecond(true), from, to);
      long down = sum(link.bytesPerSecond(false), from, to);
      double seconds = Math.max(1, to - from);
      Map<String, Object> use = new LinkedHashMap<>();
      use.put(
          "window",
          downloaded != null
              ? "command to downloaded (VERIFYING)"
              : "command to the end of the run");
      use.put("seconds", seconds);
      use.put("up_bytes", up);
      use.put("down_bytes", down);
      use.put("up_share_of_link", round3(up * 8.0 / (upLinkBits * seconds)));
      use.put("down_share_of_link", round3(down * 8.0 / (linkBits * seconds)));
      if (downloaded != null) {
        use.put("package_bytes_per_s", round(kit.packageBytes() / seconds));
        use.put(
            "package_share_of_downlink", round3(kit.packageBytes() * 8.0 / (linkBits * seconds)));
      }
      r.put("link_during_transfer", use);
    }
    // Camera alarms raised on the device while the package was on its way (capture time in the
    // window).
    double[] during =
        alarms.stream()
            .filter(FleetObserver.Alarm::raised)
            .filter(
                a ->
                    a.arrivedScenarioSeconds() - a.latencySeconds() >= commandAt
                        && a.arrivedScenarioSeconds() - a.latencySeconds() <= end)
            .mapToDouble(FleetObserver.Alarm::latencySeconds)
            .filter(Double::isFinite)
            .toArray();
    r.put("alarms_during_transfer", during.length);
    r.put("alarm_latency_p95_during_transfer_s", ScenarioRunner.percentile(during, 0.95));
    r.put(
        "alarm_latency_max_during_transfer_s",
        during.length == 0 ? 0 : round(java.util.Arrays.stream(during).max().orElse(0)));
    return r;
  }

  private static long sum(long[] perSecond, int from, int to) {
    long s = 0;
    for (int i = Math.max(0, from); i < Math.min(perSecond.length, to); i++) {
      s += perSecond[i];
    }
    return s;
  }

  private static double round(double v) {
    return ScenarioRunner.round(v, 1);
  }

  private static double round3(double v) {
    return ScenarioRunner.round(v, 3);
  }

  @Override
  public void close() {
    if (console != null && console.isAlive()) {
      console.destroy();
      try {
        if (!console.waitFor(20, TimeUnit.SECONDS)) {
          console.destroyForcibly();
        }
      } catch (InterruptedException e) {
        console.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    if (watcher != null) {
      try {
        watcher.disconnectForcibly(1_000);
        watcher.close();
      } catch (MqttException e) {
        LOG.debug("rollout watch of {}: {}", deviceId, e.toString());
      }
    }
  }
}
