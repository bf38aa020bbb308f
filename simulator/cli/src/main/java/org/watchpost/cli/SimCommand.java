// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import com.google.gson.GsonBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.watchpost.simulator.fleet.Scenario;
import org.watchpost.simulator.fleet.ScenarioRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Runs a scenario file: devices, links, broker and the central view; ends with the JSON report. */
@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    description =
        "Run a fleet scenario (simulator/scenarios/*.json): real runtimes and agents behind simulated links, "
            + "a broker, a live table and a web page; write a JSON report.")
final class SimCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      description =
          "A scenario file, or the name of one in simulator/scenarios (border-post, city-junction).")
  String scenario;

  @Option(names = "--duration", description = "Scenario seconds to run (default: the scenario's).")
  Double duration;

  @Option(
      names = "--speed",
      description =
          "Time compression: scenario seconds per wall second for links, budgets and device timers (cameras play at their real rate).")
  Double speed;

  @Option(names = "--profile", description = "A named profile of the scenario (e.g. short).")
  String profile;

  @Option(
      names = "--cameras",
      description =
          "How runtimes get their cameras: file (the runtime plays the clip and its faults) "
              + "or http (the camera simulator serves each clip as a live Motion-JPEG IP camera with the faults).")
  String cameras;

  @Option(
      names = "--agents",
      description = "Replace the number of devices of every agent group by this (for scale runs).")
  Integer agents;

  @Option(names = "--report", description = "Write the JSON report to this file.")
  Path report;

  @Option(
      names = "--port",
      description =
          "Port of the fleet web page on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0: any free one).")
  int port = 8088;

  @Option(names = "--no-table", description = "Do not redraw the live table in the terminal.")
  boolean noTable;

  @Option(
      names = "--record-trace",
      description =
          "Write the traffic of --record-device to this trace file (for agents to replay).")
  Path recordTrace;

  @Option(
      names = "--record-device",
      description = "The device whose traffic --record-trace writes.")
  String recordDevice;

  @Override
  public Integer call() throws Exception {
    Path file = Path.of(scenario);
    if (!Files.exists(file)) {
      Path named =
          Home.root()
              .resolve("simulator/scenarios")
              .resolve(scenario.endsWith(".json") ? scenario : scenario + ".json");
      if (!Files.exists(named)) {
        System.err.println(
            "sim: no scenario "
                + scenario
                + " (looked at "
                + file.toAbsolutePath()
                + " and "
                + named
                + ")");
        return 2;
      }
      file = named;
    }
    Scenario s = Scenario.load(file);
    if (profile != null) {
      s = s.withProfile(profile);
    }
    if (duration != null) {
      s = s.withDuration(duration);
    }
    if (speed != null) {
      s = s.withSpeed(speed);
    }
    if (cameras != null) {
      s = s.withCamerasVia(cameras);
    }
    if (agents != null) {
      List<Scenario.Device> devices = new ArrayList<>();
      for (Scenario.Device d : s.devices()) {
        devices.add(!Scenario.isAgent(d) ? d : d.withCount(agents));
      }
      s = s.withDevices(devices);
    }
    boolean needsRuntime = s.devices().stream().anyMatch(d -> !Scenario.isAgent(d));
    if (needsRuntime) {
      Process fetch =
          new ProcessBuilder("bash", Home.root().resolve("models/fetch").toString(), "yolox-nano")
              .inheritIO()
              .start();
      if (fetch.waitFor() != 0) {
        System.err.println("sim: the model is missing (see above)");
        return 2;
      }
    }
    Path work = Home.var("sim/" + s.name().replace('/', '-'));
    ScenarioRunner.Options options =
        ScenarioRunner.Options.of(work, Home.root(), Home.runtimeJar(), Home.shared())
            .withViewPort(port)
            .withConsole(System.out, !noTable && System.console() != null);
    if (recordTrace != null) {
      options = options.recording(recordDevice, recordTrace.toAbsolutePath());
    }
    Map<String, Object> result = ScenarioRunner.run(s, options);
    String text = new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(result);
    System.out.println("sim: report\n" + text);
    if (report != null) {
      Path target = report.toAbsolutePath();
      if (target.getParent() != null) {
        Files.createDirectories(target.getParent());
      }
      Files.writeString(target, text + "\n");
      System.out.println("sim: report written to " + target);
    }
    return ((Number) result.get("lost")).longValue() == 0 ? 0 : 1;
  }
}
