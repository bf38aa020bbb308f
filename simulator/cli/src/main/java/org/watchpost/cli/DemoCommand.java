// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.watchpost.api.frame.SourceUris;
import org.watchpost.simulator.broker.BrokerMonitor;
import org.watchpost.simulator.broker.EmbeddedBroker;
import org.watchpost.simulator.fleet.RuntimeConfiguration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job on a sample clip: the real runtime (the same runnable jar as {@code ./watchpost
 * run}) in a child process, configured for the clip, printing what it finds, then the summary.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run the firmware on the sample clip (or --source) and print what it detects and sends; end with a summary.")
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--source",
      description =
          "File, /dev/videoN, rtsp:// or http:// source (default: the vtest sample clip).")
  String source;

  @Option(
      names = "--max-frames",
      description = "Stop after this many frames (default: the whole clip).")
  long maxFrames;

  @Option(
      names = "--broker",
      description = "MQTT broker URL to send to (default: an embedded broker).")
  String broker;

  @Option(names = "--summary", description = "Also write the summary JSON to this file.")
  Path summaryFile;

  @Option(
      names = "--realtime",
      description = "Play a file at its own frame rate, newest frame wins, as a live camera.")
  boolean realtime;

  @Option(
      names = "--threads",
      description = "ONNX Runtime intra-op threads (default: ${DEFAULT-VALUE}).")
  int threads = 1;

  @Option(
      names = "--model",
      description =
          "Model: a name under models/ (yolox-nano, yolox-nano-int8), a model directory or a manifest (default: ${DEFAULT-VALUE}).")
  String model = Detectors.DEFAULT_MODEL;

  @Option(
      names = "--budget",
      description =
          "Uplink budget in bit/s, a thin link's (default: ${DEFAULT-VALUE}; 0 for none).")
  long budgetBitsPerSecond = 9_600;

  @Option(
      names = "--faults",
      description =
          "Faults played into the camera, e.g. 'black@30-45, blur:4@60-70' (seconds of the clip).")
  String faults = "";

  @Override
  public Integer call() throws Exception {
    Optional<String> clip =
        source != null ? Optional.of(source) : SampleClip.locate().map(Path::toString);
    if (clip.isEmpty()) {
      return 2;
    }
    if (!fetchModel(model)) {
      return 2;
    }
    Path work = Home.var("demo");
    Path summary = work.resolve("summary.json");
    Files.deleteIfExists(summary);
    EmbeddedBroker embedded = broker == null ? EmbeddedBroker.start(Home.var("demo/broker")) : null;
    String brokerUrl = embedded != null ? embedded.url() : broker;
    JsonObject result;
    try (BrokerMonitor monitor = BrokerMonitor.start(brokerUrl, System.out)) {
      Path config = work.resolve("config.json");
      Files.writeString(config, configuration(clip.get(), summary, brokerUrl, work));
      System.out.println("demo: source " + SourceUris.redact(clip.get()));
      System.out.println(
          "demo: broker "
              + brokerUrl
              + (embedded != null ? " (embedded)" : "")
              + "; what arrives there is printed below, decoded");
      System.out.println("demo: runtime configuration " + config);
      int exit = runRuntime(config);
      if (!Files.exists(summary)) {
        System.err.println("demo: the runtime ended (exit " + exit + ") without a summary");
        return exit == 0 ? 1 : exit;
      }
      // The disconnect certificate is the last thing the device sends; give it a moment to arrive.
      Thread.sleep(500);
      result = JsonParser.parseString(Files.readString(summary)).getAsJsonObject();
      result.add("broker", new GsonBuilder().create().toJsonTree(monitor.summary()));
    } finally {
      if (embedded != null) {
        embedded.close();
      }
    }
    String text = new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(result);
    System.out.println("demo: summary\n" + text);
    if (summaryFile != null) {
      Path target = summaryFile.toAbsolutePath();
      if (target.getParent() != null) {
        Files.createDirectories(target.getParent());
      }
      Files.writeString(target, text + "\n");
      System.out.println("demo: summary written to " + target);
    }
    return 0;
  }

  private static boolean fetchModel(String model) throws IOException, InterruptedException {
    if (!Files.exists(Home.modelManifest(model))) {
      return true;
    }
    Process fetch =
        new ProcessBuilder("bash", Home.root().resolve("models/fetch").toString(), model)
            .inheritIO()
            .start();
    if (fetch.waitFor() != 0) {
      System.err.println(
          "demo: the model is missing (see above); the runtime would start with its detector DOWN.");
      return false;
    }
    return true;
  }

  String configuration(String clip, Path summary, String brokerUrl, Path work) throws IOException {
    RuntimeConfiguration config =
        new RuntimeConfiguration("watchpost.demo").detector(Detectors.manifest(model), threads);
    // The demo's camera waits for analytics, the uplink and camera health rather than starting
    // without them.
    Map<String, Object> camera = config.camera("vtest", clip);
    camera.put("feed.mode", realtime ? "newest_wins" : "every_frame");
    camera.put("realtime", realtime);
    camera.put("max.frames", maxFrames);
    camera.put("faults", faults);
    camera.put("summary.file", summary.toString());
    camera.put("exit.when.done", true);
    config.vtestRules(Home.root());
    // A fresh outbox each run: an old one would be replayed into this run's figures.
    Map<String, Object> uplink =
        config.uplink(
            brokerUrl,
            "demo-vtest",
            work.resolve("outbox-" + System.currentTimeMillis() + ".db"),
            budgetBitsPerSecond);
    uplink.put("display.name", "Watchpost demo (vtest)");
    uplink.put("serial.number", "DEMO-0001");
    uplink.put("drain.on.stop.s", 30);
    config.health(baselineDirectory(work, clip), work);
    config.models(work.resolve("models"), Home.root().resolve("models/keys"));
    return config.json();
  }

  /**
   * Camera health's baselines per source: the demo's camera is always "vtest", and a baseline
   * learnt on one clip raised MOVED on another clip within seconds (issue 16). The same clip again
   * finds its baseline, as a camera that restarts does.
   */
  static Path baselineDirectory(Path work, String clip) {
    // The name is for the reader of the directory; the hash (of the whole source) is the key.
    // Redacted first,
    // so that no password of an rtsp:// source ends up in a directory name.
    String name = SourceUris.redact(clip).replaceFirst("[?#].*", "").replaceFirst(".*[/\\\\]", "");
    String slug = name.replaceAll("[^A-Za-z0-9._-]", "_");
    slug = slug.substring(0, Math.min(slug.length(), 40));
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(clip.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return work.resolve("baselines")
          .resolve(slug + "-" + java.util.HexFormat.of().formatHex(digest, 0, 6));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is in every JVM", e);
    }
  }

  private static int runRuntime(Path config) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String javaOptions = System.getenv("WATCHPOST_JAVA_OPTS");
    if (javaOptions != null && !javaOptions.isBlank()) {
      command.addAll(List.of(javaOptions.trim().split("\\s+")));
    }
    command.add("-Dconfigurator.initial=" + config.toUri());
    command.add("-Dorg.osgi.framework.storage=" + Home.var("demo/framework"));
    command.add("-jar");
    command.add(Home.runtimeJar().toString());
    Process runtime =
        new ProcessBuilder(command).inheritIO().directory(Home.root().toFile()).start();
    Thread stopRuntime = new Thread(runtime::destroy);
    Runtime.getRuntime().addShutdownHook(stopRuntime);
    try {
      return runtime.waitFor();
    } finally {
      Runtime.getRuntime().removeShutdownHook(stopRuntime);
    }
  }
}
