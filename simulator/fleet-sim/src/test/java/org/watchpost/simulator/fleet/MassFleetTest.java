// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.watchpost.fleet.CensusListener;
import org.watchpost.fleet.FleetCensus;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;

/**
 * The mass fleet's code at a size the suite can afford (the 75,476-device run is {@link
 * MassFleetBenchmark}): agents on the HiveMQ client against a real Mosquitto, found by the health
 * census from their answers to its MODEL-V1 GET, their BIRTH (site, region) and their health (every
 * camera's state, the model), and offline after their DC at a clean stop.
 */
class MassFleetTest {
  private static final int DEVICES = 300;

  @Test
  void agentsAreFoundByTheCensusWithTheirSitesCamerasAndModelAndLeaveCleanly() throws Exception {
    Path dir = SharedData.scratchDirectory("mass-fleet");
    Trace trace = Trace.load(Path.of("../scenarios/traces/border-post-vtest.jsonl"));
    FleetCensus census = new FleetCensus("acme", "centre");
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        // The centre's census, listening before the devices come: it hears their BIRTH (site,
        // region).
        CensusListener centre =
            CensusListener.start(broker.url(), "acme", "centre", census, Duration.ofSeconds(10))) {
      MassFleet fleet =
          new MassFleet(
              new MassFleet.Settings(
                  "acme",
                  "cam-",
                  1,
                  DEVICES,
                  "127.0.0.1",
                  broker.port(),
                  List.of("127.0.0.2", "127.0.0.3"),
                  Duration.ofMillis(500),
                  trace,
                  0.02,
                  42,
                  100,
                  1));
      try (fleet) {
        fleet.start();
        await(() -> fleet.connected() == DEVICES, () -> "connected " + fleet.connected());
        // A census started after the devices finds them all from their answers to its GET, with
        // their model.
        FleetCensus late = new FleetCensus("acme", "late");
        try (CensusListener listener =
            CensusListener.start(broker.url(), "acme", "late", late, Duration.ofSeconds(10))) {
          await(
              () ->
                  late.online() == DEVICES
                      && late.rows().stream().allMatch(r -> r.model().equals("yolox-nano 0.1.1")),
              () -> "late census: " + late.size() + " devices, " + late.online() + " online");
          assertTrue(fleet.requestsAnswered() >= DEVICES, "every agent answered the census's GET");
        }
        await(
            () ->
                census.online() == DEVICES
                    && census.rows().stream().noneMatch(r -> r.camera().isEmpty()),
            () -> "census: " + census.size() + " devices, " + census.online() + " online");
        List<FleetCensus.Row> rows = census.rows();
        assertTrue(
            rows.stream().allMatch(r -> r.model().equals("yolox-nano 0.1.1")),
            "the model reported");
        assertTrue(
            rows.stream()
                .allMatch(r -> r.region().startsWith("region-") && r.site().startsWith("site-")),
            "site and region from BIRTH");
        @SuppressWarnings("unchecked")
        Map<String, Long> cameras = (Map<String, Long>) census.totals().get("camera_states");
        long all = cameras.values().stream().mapToLong(Long::longValue).sum();
        assertTrue(
            cameras.get("OK") > all / 2 && cameras.size() >= 5,
            "a spread of camera states: " + cameras);
        await(() -> fleet.published() > 4L * DEVICES, () -> "published " + fleet.published());
        assertEquals(0, fleet.publishFailures());
        fleet.close();
        await(() -> census.online() == 0, () -> census.online() + " still online after the stop");
      }
    }
  }

  private static void await(BooleanSupplier condition, java.util.function.Supplier<String> what)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(what.get());
      }
      Thread.sleep(50);
    }
  }
}
