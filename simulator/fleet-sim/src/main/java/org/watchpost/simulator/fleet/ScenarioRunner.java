// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.frame.CaptureService;
import org.watchpost.capture.tools.HostCapture;
import org.watchpost.faults.Fault;
import org.watchpost.faults.FaultKind;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.simulator.cameras.CameraServer;
import org.watchpost.simulator.cameras.SimulatedCamera;
import org.watchpost.simulator.link.LinkProfile;
import org.watchpost.simulator.link.LinkSimulator;
import org.watchpost.simulator.link.SimClock;

/**
 * Runs a scenario: a broker, the central observer and its views, one link simulator and one device
 * per scenario device, until scenario time reaches the duration and every device has done its part;
 * then stops the devices cleanly (they drain and say goodbye) and writes the report.
 *
 * <p>How time compression applies: outages, link rates, budgets (bytes per scenario second) and the
 * devices' own wall-clock timers run {@code speed} times faster than the wall clock; cameras play
 * at their real rate (see {@link Scenario}). Budgets are checked on the bytes each end sent into
 * its link, per 10 s window of scenario time: MQTT and TLS-free TCP payload, without the TCP/IP
 * headers the device also counts.
 */
public final class ScenarioRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ScenarioRunner.class);

  /**
   * Wall seconds a run may go on beyond its scenario duration (devices finishing, draining) before
   * it is ended.
   */
  private static final long GRACE_SECONDS = 240;

  /**
   * How far a camera's clock and its viewer's may differ: an HTTP camera starts at the viewer's
   * probe, before its first frame.
   */
  private static final long CLOCK_TOLERANCE_MILLIS = 2_000;

  /**
   * @param work where devices, broker and links write
   * @param viewPort port of the web view; 0 for any free one, -1 for none
   * @param console where the live table goes; null for none
   * @param recordDevice a device whose traffic is written to {@code recordTrace}; null for none
   */
  public record Options(
      Path work,
      RuntimeDevice.Home home,
      int viewPort,
      PrintStream console,
      boolean redraw,
      String recordDevice,
      Path recordTrace) {
    public static Options of(Path work, Path root, Path runtimeJar, Path shared) {
      return new Options(
          work, new RuntimeDevice.Home(root, runtimeJar, shared), 0, null, false, null, null);
    }

    public Options withConsole(PrintStream out, boolean redrawTable) {
      return new Options(work, home, viewPort, out, redrawTable, recordDevice, recordTrace);
    }

    public Options withViewPort(int port) {
      return new Options(work, home, port, console, redraw, recordDevice, recordTrace);
    }

    public Options recording(String device, Path trace) {
      return new Options(work, home, viewPort, console, redraw, device, trace);
    }
  }

  /**
   * Told once the web view is up, so a caller (a test, a browser) can look at it during the run.
   */
  public interface Listener {
    void viewStarted(FleetView view, FleetObserver observer);
  }

  private ScenarioRunner() {}

  public static Map<String, Object> run(Scenario scenario, Options options) throws Exception {
    return run(scenario, options, (view, observer) -> {});
  }

  public static Map<String, Object> run(Scenario scenario, Options options, Listener listener)
      throws Exception {
    Files.createDirectories(options.work());
    Map<String, Scenario.Device> devices = scenario.expanded();
    double speed = scenario.speed();
    double cameraSeconds = scenario.durationS() / speed;
    long wallStart = System.nanoTime();
    List<LinkSimulator> links = new ArrayList<>();
    Map<String, LinkSimulator> linkOf = new LinkedHashMap<>();
    Map<String, SimulatedDevice> running = new LinkedHashMap<>();
    Map<String, ScenarioRollout> rollouts = new LinkedHashMap<>();
    ScheduledExecutorService agentScheduler =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "agents");
              t.setDaemon(true);
              return t;
            });
    Map<String, Trace> traces = new LinkedHashMap<>();
    Trace.Recorder recorder =
        options.recordTrace() == null ? null : new Trace.Recorder(options.recordTrace());
    CameraServer cameraServer = null;
    CaptureService capture = null;
    try (Broker broker = Broker.start(scenario.broker(), options.work().resolve("broker"))) {
      SimClock clock = new SimClock(speed);
      try (FleetObserver observer = FleetObserver.start(broker.url(), clock);
          FleetView view =
              options.viewPort() >= 0 ? new FleetView(observer, options.viewPort()) : null) {
        devices.keySet().forEach(observer::expect);
        if (recorder != null) {
          observer.record(options.recordDevice(), recorder);
        }
        say(
            options,
            "sim: "
                + scenario.name()
                + ": "
                + devices.size()
                + " devices, "
                + scenario.durationS()
                + " s at speed "
                + speed
                + " ("
                + Math.round(cameraSeconds)
                + " s on the wall clock); broker "
                + broker.kind()
                + " "
                + broker.url()
                + (view != null ? "; fleet view " + view.url() : ""));
        if (view != null) {
          listener.viewStarted(view, observer);
        }
        for (Map.Entry<String, Scenario.Device> entry : devices.entrySet()) {
          String id = entry.getKey();
          Scenario.Device spec = entry.getValue();
          LinkProfile profile = Scenario.linkProfile(spec.link());
          String url = broker.url();
          if (profile != null) {
            LinkSimulator link = new LinkSimulator(id, profile, clock, "127.0.0.1", broker.port());
            links.add(link);
            linkOf.put(id, link);
            url = link.url();
          }
          if (Scenario.isAgent(spec)) {
            Trace trace =
                traces.computeIfAbsent(
                    spec.trace(), name -> loadTrace(options.home().root(), name));
            running.put(
                id,
                new AgentDevice(
                    id,
                    trace,
                    clock,
                    scenario.durationS(),
                    spec.budgetBitsPerS(),
                    url,
                    agentScheduler));
          } else {
            Map<String, String> cameraUrls = new LinkedHashMap<>();
            if (spec.camerasOverHttp()) {
              if (cameraServer == null) {
                cameraServer = new CameraServer();
                capture = HostCapture.withDefaults();
              }
              for (Scenario.Camera camera : spec.cameras()) {
                String servedId = id + "-" + camera.id();
                // Camera time runs at the real rate, from the device's first look at the camera.
                cameraServer.add(
                    new SimulatedCamera(
                        servedId,
                        options.home().clip(camera.clip()).toString(),
                        FaultSchedule.parse(camera.faults() == null ? "" : camera.faults()),
                        1,
                        capture));
                cameraUrls.put(camera.id(), cameraServer.streamUrl(servedId));
              }
            }
            ScenarioRollout.Kit kit = null;
            if (spec.rollout() != null) {
              Path dir = options.work().resolve("rollouts").resolve(id);
              kit = ScenarioRollout.Kit.make(dir, options.home(), spec.rollout().version());
              ScenarioRollout rollout = new ScenarioRollout(id, spec.rollout(), kit, dir, clock);
              rollout.watch(broker.url());
              rollouts.put(id, rollout);
              say(
                  options,
                  "sim: "
                      + id
                      + ": package "
                      + kit.packageFile().getFileName()
                      + " ("
                      + kit.packageBytes()
                      + " B) offered by the rollout console at scenario second "
                      + Math.round(spec.rollout().atS()));
            }
            running.put(
                id,
                new RuntimeDevice(
                    id,
                    spec,
                    scenario,
                    url,
                    options.work().resolve("devices").resolve(id),
                    options.home(),
                    cameraSeconds,
                    cameraUrls,
                    kit));
          }
        }
        double rolloutMax =
            rollouts.values().stream().mapToDouble(ScenarioRollout::maxS).max().orElse(0);
        long hardStop =
            wallStart
                + (long) ((Math.max(cameraSeconds, rolloutMax / speed) + GRACE_SECONDS) * 1e9);
        while (true) {
          Thread.sleep(1_000);
          for (ScenarioRollout rollout : rollouts.values()) {
            if (rollout.due()) {
              rollout.start(broker.url());
            }
          }
          if (options.console() != null && view != null) {
            view.print(options.console(), options.redraw());
          }
          boolean done =
              clock.seconds() >= scenario.durationS()
                  && running.values().stream().allMatch(SimulatedDevice::finished)
                  && rollouts.values().stream().allMatch(ScenarioRollout::settled);
          if (done) {
            break;
          }
          if (System.nanoTime() > hardStop) {
            LOG.warn(
                "sim: {} s past the scenario's end and not every device is done; stopping",
                GRACE_SECONDS);
            break;
          }
        }
        say(
            options,
            "sim: scenario time over; stopping the devices (each drains its outbox and sends DC)");
        // Every device drains at once, as a fleet would; each stop waits for its own device.
        java.util.concurrent.ExecutorService stopper =
            Executors.newFixedThreadPool(Math.min(64, Math.max(1, running.size())));
        for (SimulatedDevice device : running.values()) {
          stopper.submit(device::stop);
        }
        stopper.shutdown();
        stopper.awaitTermination(5, java.util.concurrent.TimeUnit.MINUTES);
        Thread.sleep(1_000);
        double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
        Map<String, Object> report =
            report(scenario, observer, running, linkOf, broker, wallSeconds, clock);
        for (Map.Entry<String, ScenarioRollout> r : rollouts.entrySet()) {
          Scenario.Device spec = devices.get(r.getKey());
          FleetObserver.DeviceView seen = observer.device(r.getKey());
          @SuppressWarnings("unchecked")
          Map<String, Object> d =
              (Map<String, Object>) ((Map<String, Object>) report.get("devices")).get(r.getKey());
          long bits = spec.link() == null ? 0 : spec.link().bitsPerS();
          long upBits =
              spec.link() == null
                  ? 0
                  : spec.link().upBitsPerS() > 0 ? spec.link().upBitsPerS() : bits;
          d.put(
              "rollout",
              r.getValue()
                  .report(
                      linkOf.get(r.getKey()),
                      bits,
                      upBits,
                      seen == null ? List.of() : seen.alarms()));
        }
        if (options.console() != null && view != null) {
          view.print(options.console(), false);
        }
        return report;
      } finally {
        rollouts.values().forEach(ScenarioRollout::close);
        running.values().forEach(SimulatedDevice::close);
        links.forEach(LinkSimulator::close);
        if (cameraServer != null) {
          cameraServer.close();
        }
        agentScheduler.shutdownNow();
        if (recorder != null) {
          recorder.close();
        }
      }
    }
  }

  private static Trace loadTrace(Path root, String name) {
    Path path =
        Path.of(name).isAbsolute()
            ? Path.of(name)
            : root.resolve("simulator/scenarios").resolve(name);
    try {
      return Trace.load(path);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void say(Options options, String line) {
    LOG.info(line);
    if (options.console() != null) {
      options.console().println(line);
    }
  }

  static Map<String, Object> report(
      Scenario scenario,
      FleetObserver observer,
      Map<String, SimulatedDevice> devices,
      Map<String, LinkSimulator> links,
      Broker broker,
      double wallSeconds,
      SimClock clock) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("scenario", scenario.name());
    report.put("duration_s", scenario.durationS());
    report.put("speed", scenario.speed());
    report.put("wall_s", round(wallSeconds, 1));
    report.put("scenario_s_at_end", round(clock.seconds(), 0));
    report.put("broker", broker.kind());
    report.put("devices_total", devices.size());
    report.put("broker_messages", observer.totalMessages());
    report.put("broker_messages_per_s", round(observer.totalMessages() / wallSeconds, 1));
    report.put("malformed", observer.malformed());
    long lostTotal = 0;
    boolean allWithinBudget = true;
    boolean allFaultsReported = true;
    Map<String, Object> perDevice = new LinkedHashMap<>();
    Map<String, Scenario.Device> specs = scenario.expanded();
    for (Map.Entry<String, SimulatedDevice> entry : devices.entrySet()) {
      String id = entry.getKey();
      Scenario.Device spec = specs.get(id);
      FleetObserver.DeviceView seen = observer.device(id);
      Map<String, Object> own = entry.getValue().ownReport();
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("kind", Scenario.isAgent(spec) ? "agent" : "runtime");
      LinkSimulator link = links.get(id);
      if (link != null) {
        d.put("bytes_sent", link.bytes(true));
        d.put("bytes_received", link.bytes(false));
        Map<String, Object> budget =
            budgetCheck(spec, link.bytesPerSecond(true), link.bytesPerSecond(false));
        allWithinBudget &= Boolean.TRUE.equals(budget.get("within_budget"));
        d.putAll(budget);
        d.put(
            "avg_bits_per_s",
            round((link.bytes(true) + link.bytes(false)) * 8.0 / Math.max(1, clock.seconds()), 1));
        d.put(
            "link",
            Map.of(
                "connections",
                link.counts().accepted(),
                "refused_during_cuts",
                link.counts().refused(),
                "cuts",
                link.counts().cuts()));
      }
      long produced = ((Number) own.getOrDefault("events_produced", 0L)).longValue();
      long folded = ((Number) own.getOrDefault("folded_events", 0L)).longValue();
      long dropped = ((Number) own.getOrDefault("dropped", 0L)).longValue();
      long delivered = seen == null ? 0 : seen.events();
      long missing = seen == null ? 0 : seen.missingSeqs();
      // Messages still in the device's outbox at its clean stop (its DC says how many) are pending,
      // not lost.
      long pending = seen == null ? 0 : Math.max(0, seen.dcOutboxDepth());
      long lost =
          Math.max(0, missing - dropped - pending)
              + Math.max(0, produced - delivered - folded - dropped - pending);
      lostTotal += lost;
      d.put("events_produced", produced);
      d.put("events_delivered", delivered);
      d.put("events_folded", folded);
      d.put("dropped_by_outbox", dropped);
      d.put("missing_seqs", missing);
      d.put("pending_at_end", pending);
      d.put("duplicates", seen == null ? 0 : seen.duplicates());
      d.put("lost", lost);
      d.put("online_at_end", seen != null && seen.online());
      d.put("connects", seen == null ? 0 : seen.births());
      d.put("dc_outbox_depth", seen == null ? -1 : seen.dcOutboxDepth());
      d.put("model", seen == null ? "" : seen.modelVersion());
      List<FleetObserver.Alarm> alarms = seen == null ? List.of() : seen.alarms();
      d.put(
          "alarm_latency_p95_s",
          percentile(
              alarms.stream()
                  .filter(FleetObserver.Alarm::raised)
                  .mapToDouble(FleetObserver.Alarm::latencySeconds)
                  .filter(Double::isFinite)
                  .toArray(),
              0.95));
      List<Map<String, Object>> healthAlarms = new ArrayList<>();
      for (FleetObserver.Alarm a : alarms) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("camera", a.camera());
        h.put("state", a.state());
        h.put("raised", a.raised());
        h.put("camera_s", a.streamMillis() / 1000.0);
        h.put("arrived_at_s", round(a.arrivedScenarioSeconds(), 1));
        h.put("latency_s", round(a.latencySeconds(), 1));
        healthAlarms.add(h);
      }
      d.put("health_alarms", healthAlarms);
      if (!Scenario.isAgent(spec)) {
        List<Map<String, Object>> faults =
            faultsReported(spec, alarms, scenario.durationS() / scenario.speed());
        allFaultsReported &=
            faults.stream()
                .allMatch(
                    f ->
                        Boolean.TRUE.equals(f.get("reported"))
                            || Boolean.FALSE.equals(f.get("played")));
        d.put("faults", faults);
        d.put("cameras", own.get("cameras"));
      }
      perDevice.put(id, d);
    }
    report.put("lost", lostTotal);
    report.put("all_within_budget", allWithinBudget);
    report.put("all_faults_reported", allFaultsReported);
    report.put("devices", perDevice);
    return report;
  }

  /** The budget window, in scenario seconds. */
  static final int BUDGET_WINDOW_S = 10;

  /**
   * The busiest window of each direction against its own budget: what the device sent against its
   * uplink budget, what came down against its downlink budget (see {@link #downlinkBudget}). {@code
   * over_budget} names the directions that exceeded; {@code max_bytes_in_10s} (both ways together)
   * is for reading, not checked.
   */
  static Map<String, Object> budgetCheck(
      Scenario.Device spec, long[] upPerSecond, long[] downPerSecond) {
    long[] both = new long[Math.max(upPerSecond.length, downPerSecond.length)];
    for (int i = 0; i < both.length; i++) {
      both[i] =
          (i < upPerSecond.length ? upPerSecond[i] : 0)
              + (i < downPerSecond.length ? downPerSecond[i] : 0);
    }
    long upBudget = spec.budgetBitsPerS();
    long downBudget = downlinkBudget(spec);
    long upWindowBudget = upBudget * BUDGET_WINDOW_S / 8;
    long downWindowBudget = downBudget * BUDGET_WINDOW_S / 8;
    long maxUp = maxWindow(upPerSecond, BUDGET_WINDOW_S);
    long maxDown = maxWindow(downPerSecond, BUDGET_WINDOW_S);
    List<String> over = new ArrayList<>();
    if (upBudget > 0 && maxUp > upWindowBudget) {
      over.add("uplink");
    }
    if (downBudget > 0 && maxDown > downWindowBudget) {
      over.add("downlink");
    }
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("budget_bits_per_s", upBudget);
    d.put("budget_bytes_per_10s", upWindowBudget);
    d.put("max_bytes_up_in_10s", maxUp);
    d.put("downlink_budget_bits_per_s", downBudget);
    d.put("downlink_budget_bytes_per_10s", downWindowBudget);
    d.put("max_bytes_down_in_10s", maxDown);
    d.put("max_bytes_in_10s", maxWindow(both, BUDGET_WINDOW_S));
    d.put("within_budget", over.isEmpty());
    d.put("over_budget", over);
    return d;
  }

  /**
   * The downlink budget a device keeps: the scenario's {@code downlink_budget_bits_per_s}; for a
   * runtime without one, its uplink budget (the uplink's {@code downlink.budget.bits.per.s}
   * default, -1, is "the same as the uplink budget"); 0 (none, not checked) for an agent, which
   * asks for nothing to be sent to it.
   */
  static long downlinkBudget(Scenario.Device spec) {
    if (spec.downlinkBudgetBitsPerS() > 0) {
      return spec.downlinkBudgetBitsPerS();
    }
    return Scenario.isAgent(spec) ? 0 : Math.max(0, spec.budgetBitsPerS());
  }

  /** The most bytes in any window of whole seconds. */
  static long maxWindow(long[] perSecond, int windowSeconds) {
    long max = 0;
    long sum = 0;
    for (int i = 0; i < perSecond.length; i++) {
      sum += perSecond[i];
      if (i >= windowSeconds) {
        sum -= perSecond[i - windowSeconds];
      }
      max = Math.max(max, sum);
    }
    return max;
  }

  /** Camera states that an injected fault must raise. */
  static Set<String> expectedStates(FaultKind kind) {
    return switch (kind) {
      case BLACK, DIM -> Set.of("BLACK");
      case FREEZE -> Set.of("FROZEN");
      case BLUR -> Set.of("BLURRED");
      case COVER -> Set.of("OBSTRUCTED");
      case SHIFT -> Set.of("MOVED");
      case DROP -> Set.of("NO_SIGNAL");
      case OVEREXPOSE -> Set.of("OVEREXPOSED");
      case SLOW -> Set.of("LOW_FPS");
    };
  }

  /**
   * Each injected fault, and whether the centre got an alarm of the right state raised within its
   * window (+10 s). A fault that starts less than 10 s before the cameras' play ends (or after it)
   * is listed as not played.
   */
  static List<Map<String, Object>> faultsReported(
      Scenario.Device spec, List<FleetObserver.Alarm> alarms, double cameraSeconds) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Scenario.Camera camera : spec.cameras()) {
      FaultSchedule schedule = FaultSchedule.parse(camera.faults() == null ? "" : camera.faults());
      for (Fault fault : schedule.faults()) {
        Set<String> states = expectedStates(fault.kind());
        FleetObserver.Alarm match =
            alarms.stream()
                .filter(
                    a ->
                        a.raised()
                            && a.camera().equals(camera.id())
                            && states.contains(a.state())
                            && a.streamMillis() >= fault.fromMillis() - CLOCK_TOLERANCE_MILLIS
                            && a.streamMillis() <= fault.toMillis() + 10_000)
                .findFirst()
                .orElse(null);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("camera", camera.id());
        f.put("fault", fault.toString());
        f.put("expected", String.join("|", states));
        boolean played = fault.fromMillis() + 10_000 <= cameraSeconds * 1000;
        if (!played) {
          f.put("played", false);
        }
        f.put("reported", match != null);
        if (match != null) {
          f.put("raised_after_s", round((match.streamMillis() - fault.fromMillis()) / 1000.0, 1));
        }
        out.add(f);
      }
    }
    return out;
  }

  static double percentile(double[] values, double q) {
    if (values.length == 0) {
      return 0;
    }
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return round(sorted[Math.max(0, Math.min(sorted.length - 1, index))], 1);
  }

  static double round(double value, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }
}
