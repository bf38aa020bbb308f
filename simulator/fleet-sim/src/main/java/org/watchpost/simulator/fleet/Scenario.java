// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.simulator.link.LinkProfile;

/**
 * A scenario file: the devices of a site or fleet, their cameras, links and budgets, and how long
 * it runs.
 *
 * <p>Two clocks, on purpose. <b>Scenario time</b> (the link, the budget, outages, the device's
 * wall-clock timers) runs {@code speed} times faster than the wall clock. <b>Camera time</b> is the
 * clip's own: cameras play at their real rate, as live cameras do, because the device's detector,
 * tracker and camera health need real frames at real rate and a 2-core host cannot analyse four
 * cameras faster than that; camera fault windows are written in camera seconds. At speed X a
 * scenario of D seconds lasts D/X on the wall clock and each camera plays D/X seconds of its clip.
 *
 * @param profiles named partial overrides (e.g. {@code short} for the test suite)
 */
public record Scenario(
    String name,
    String description,
    double durationS,
    double speed,
    String broker,
    List<Device> devices,
    Map<String, Profile> profiles) {

  /**
   * Devices of one kind; {@code count} > 1 makes {@code id-1..id-N}.
   *
   * @param camerasVia {@code file} (default): the runtime reads each clip itself and injects the
   *     faults; {@code http}: the camera simulator serves each clip as a live Motion-JPEG camera
   *     with the faults on its frames, and the runtime reads the stream through ffmpeg as it reads
   *     an IP camera
   * @param downlinkBudgetBitsPerS a runtime's downlink budget (uplink {@code
   *     downlink.budget.bits.per.s}); 0 for the uplink's own default
   * @param rollout a model package the rollout console sends this runtime during the run; null for
   *     none
   */
  public record Device(
      String id,
      String kind,
      int count,
      List<Camera> cameras,
      Link link,
      long budgetBitsPerS,
      String trace,
      int threads,
      String camerasVia,
      long downlinkBudgetBitsPerS,
      Rollout rollout) {
    public Device(
        String id,
        String kind,
        int count,
        List<Camera> cameras,
        Link link,
        long budgetBitsPerS,
        String trace,
        int threads,
        String camerasVia) {
      this(id, kind, count, cameras, link, budgetBitsPerS, trace, threads, camerasVia, 0, null);
    }

    public Device withCount(int n) {
      return new Device(
          id,
          kind,
          n,
          cameras,
          link,
          budgetBitsPerS,
          trace,
          threads,
          camerasVia,
          downlinkBudgetBitsPerS,
          rollout);
    }

    Device with(List<Camera> cameras, Link link, String camerasVia) {
      return new Device(
          id,
          kind,
          count,
          cameras,
          link,
          budgetBitsPerS,
          trace,
          threads,
          camerasVia,
          downlinkBudgetBitsPerS,
          rollout);
    }

    public boolean camerasOverHttp() {
      return "http".equals(camerasVia);
    }
  }

  /** A camera: its clip and its faults (camera seconds, {@code kind[:amount]@from-to}). */
  public record Camera(String id, String clip, String faults) {}

  /**
   * @param upBitsPerS the uplink's capacity when it differs from {@code bitsPerS} (asymmetric
   *     links); 0 for the same
   */
  public record Link(
      long bitsPerS, double latencyMs, double jitterMs, List<Outage> outages, long upBitsPerS) {
    public Link(long bitsPerS, double latencyMs, double jitterMs, List<Outage> outages) {
      this(bitsPerS, latencyMs, jitterMs, outages, 0);
    }
  }

  /**
   * A model package the real rollout console ({@code watchpost fleet rollout}, in a child process)
   * sends a runtime: the device's factory model re-signed as {@code version}, offered at scenario
   * second {@code atS}. The run goes on past its duration until the rollout settles, at most until
   * scenario second {@code maxS}.
   *
   * @param probationS the device's probation of the new model (models {@code probation.s}); 0 for
   *     its default
   */
  public record Rollout(double atS, String version, int probationS, double maxS) {}

  /** An outage in scenario seconds; mode {@code cut} or {@code blackhole}. */
  public record Outage(double fromS, double toS, String mode) {}

  /**
   * What a profile changes: duration, speed, every link's outages, and camera faults by camera id.
   */
  public record Profile(
      Double durationS, Double speed, List<Outage> outages, Map<String, String> faults) {}

  static final Gson GSON =
      new GsonBuilder()
          .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
          .setPrettyPrinting()
          .create();

  /** Scenario files are small; anything larger is not one. */
  private static final long MAX_BYTES = 1 << 20;

  public Scenario {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a scenario needs a name");
    }
    if (!(durationS > 0)) {
      throw new IllegalArgumentException("scenario " + name + ": duration_s must be positive");
    }
    if (speed == 0) {
      speed = 1;
    }
    if (!(speed > 0) || speed > 1000) {
      throw new IllegalArgumentException("scenario " + name + ": speed must be within (0, 1000]");
    }
    broker = broker == null || broker.isBlank() ? "mosquitto" : broker;
    if (!broker.equals("mosquitto") && !broker.equals("embedded")) {
      throw new IllegalArgumentException(
          "scenario " + name + ": broker must be mosquitto or embedded, was " + broker);
    }
    if (devices == null || devices.isEmpty()) {
      throw new IllegalArgumentException("scenario " + name + ": no devices");
    }
    Map<String, Profile> given =
        profiles == null ? new LinkedHashMap<>() : new LinkedHashMap<>(profiles);
    if (given.containsKey(null) || given.containsValue(null)) {
      throw new IllegalArgumentException(
          "scenario " + name + ": every profile needs a name and a body");
    }
    profiles = Map.copyOf(given);
    for (Device device : devices) {
      if (device == null) {
        throw new IllegalArgumentException("scenario " + name + ": an empty device entry");
      }
      check(name, device);
    }
  }

  private static void check(String scenario, Device device) {
    String where = "scenario " + scenario + ", device " + device.id() + ": ";
    if (device.id() == null || !device.id().matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new IllegalArgumentException(where + "id must be 1..64 of A-Z a-z 0-9 _ . -");
    }
    String kind = device.kind() == null ? "runtime" : device.kind();
    if (!kind.equals("runtime") && !kind.equals("agent")) {
      throw new IllegalArgumentException(where + "kind must be runtime or agent");
    }
    if (device.count() < 0 || device.count() > 10_000) {
      throw new IllegalArgumentException(where + "count must be within 0..10000");
    }
    if (kind.equals("runtime") && (device.cameras() == null || device.cameras().isEmpty())) {
      throw new IllegalArgumentException(where + "a runtime device needs cameras");
    }
    if (device.camerasVia() != null
        && !device.camerasVia().equals("file")
        && !device.camerasVia().equals("http")) {
      throw new IllegalArgumentException(where + "cameras_via must be file or http");
    }
    if (kind.equals("agent") && (device.trace() == null || device.trace().isBlank())) {
      throw new IllegalArgumentException(where + "an agent needs a trace");
    }
    if (device.cameras() != null) {
      for (Camera camera : device.cameras()) {
        if (camera == null
            || camera.id() == null
            || !camera.id().matches("[A-Za-z0-9_.-]{1,64}")
            || camera.clip() == null) {
          throw new IllegalArgumentException(where + "every camera needs an id and a clip");
        }
        try {
          FaultSchedule.parse(camera.faults() == null ? "" : camera.faults());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              where + "camera " + camera.id() + ": " + e.getMessage(), e);
        }
      }
    }
    linkProfile(device.link());
    if (device.downlinkBudgetBitsPerS() < 0) {
      throw new IllegalArgumentException(where + "downlink_budget_bits_per_s must not be negative");
    }
    Rollout rollout = device.rollout();
    if (rollout != null) {
      if (!kind.equals("runtime")) {
        throw new IllegalArgumentException(where + "only a runtime takes a rollout");
      }
      if (!(rollout.atS() >= 0)
          || !(rollout.maxS() >= rollout.atS())
          || rollout.probationS() < 0
          || rollout.version() == null
          || !rollout.version().matches("[0-9]+(\\.[0-9]+){1,3}")) {
        throw new IllegalArgumentException(
            where
                + "a rollout needs at_s >= 0, max_s >= at_s, probation_s >= 0 and a "
                + "version like 0.1.2");
      }
    }
  }

  public static Scenario load(Path file) throws IOException {
    if (Files.size(file) > MAX_BYTES) {
      throw new IOException("scenario " + file + " is larger than " + MAX_BYTES + " bytes");
    }
    return parse(Files.readString(file), file.toString());
  }

  /**
   * Reads a scenario from its JSON text.
   *
   * @param origin names the text in errors (its file)
   * @throws IOException naming what is wrong, for anything that is not a valid scenario
   */
  public static Scenario parse(String text, String origin) throws IOException {
    if (text.length() > MAX_BYTES) {
      throw new IOException("scenario " + origin + " is longer than " + MAX_BYTES + " characters");
    }
    try {
      Scenario scenario = GSON.fromJson(text, Scenario.class);
      if (scenario == null) {
        throw new IOException("scenario " + origin + " is empty");
      }
      return scenario;
    } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
      throw new IOException(
          "scenario " + origin + " is not valid JSON of a scenario: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IOException(origin + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      // Gson wraps what a record's constructor refuses.
      if (e.getCause() instanceof IllegalArgumentException refused) {
        throw new IOException(origin + ": " + refused.getMessage(), refused);
      }
      throw e;
    }
  }

  /**
   * This scenario with every runtime's cameras coming from the given place ({@code file} or {@code
   * http}).
   */
  public Scenario withCamerasVia(String via) {
    return withDevices(
        devices.stream().map(d -> isAgent(d) ? d : d.with(d.cameras(), d.link(), via)).toList());
  }

  /** This scenario with a named profile applied. */
  public Scenario withProfile(String profileName) {
    Profile profile = profiles.get(profileName);
    if (profile == null) {
      throw new IllegalArgumentException(
          "scenario "
              + name
              + " has no profile '"
              + profileName
              + "'; it has "
              + profiles.keySet());
    }
    List<Device> changed = new ArrayList<>();
    for (Device d : devices) {
      Link link =
          d.link() == null || profile.outages() == null
              ? d.link()
              : new Link(
                  d.link().bitsPerS(),
                  d.link().latencyMs(),
                  d.link().jitterMs(),
                  profile.outages(),
                  d.link().upBitsPerS());
      List<Camera> cameras = d.cameras();
      if (cameras != null && profile.faults() != null) {
        cameras =
            cameras.stream()
                .map(
                    c ->
                        new Camera(
                            c.id(), c.clip(), profile.faults().getOrDefault(c.id(), c.faults())))
                .toList();
      }
      changed.add(d.with(cameras, link, d.camerasVia()));
    }
    return new Scenario(
        name + "/" + profileName,
        description,
        profile.durationS() != null ? profile.durationS() : durationS,
        profile.speed() != null ? profile.speed() : speed,
        broker,
        changed,
        profiles);
  }

  public Scenario withDuration(double seconds) {
    return new Scenario(name, description, seconds, speed, broker, devices, profiles);
  }

  public Scenario withSpeed(double x) {
    return new Scenario(name, description, durationS, x, broker, devices, profiles);
  }

  public Scenario withDevices(List<Device> replaced) {
    return new Scenario(name, description, durationS, speed, broker, replaced, profiles);
  }

  /** Every device by its own id: groups with a count expand to {@code id-1..id-N}. */
  public Map<String, Device> expanded() {
    Map<String, Device> out = new LinkedHashMap<>();
    for (Device d : devices) {
      int n = d.count() == 0 ? 1 : d.count();
      for (int i = 1; i <= n; i++) {
        String id = n == 1 && d.count() <= 1 ? d.id() : d.id() + "-" + i;
        if (out.put(id, d) != null) {
          throw new IllegalArgumentException(
              "scenario " + name + ": device id " + id + " appears twice");
        }
      }
    }
    return out;
  }

  public static boolean isAgent(Device device) {
    return "agent".equals(device.kind());
  }

  /** The link of a device as the link simulator plays it; null for a direct connection. */
  public static LinkProfile linkProfile(Link link) {
    if (link == null) {
      return null;
    }
    List<LinkProfile.Outage> outages = new ArrayList<>();
    if (link.outages() != null) {
      for (Outage o : link.outages()) {
        if (o == null) {
          throw new IllegalArgumentException("an empty outage entry");
        }
        outages.add(
            new LinkProfile.Outage(
                o.fromS(), o.toS(), LinkProfile.mode(o.mode() == null ? "cut" : o.mode())));
      }
    }
    return new LinkProfile(
        link.bitsPerS(), link.upBitsPerS(), link.latencyMs(), link.jitterMs(), outages);
  }
}
