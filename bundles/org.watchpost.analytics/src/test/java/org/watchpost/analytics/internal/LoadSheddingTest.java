// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.watchpost.analytics.internal.rules.RuleParser;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.detect.DetectorStatus;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.Region;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;
import org.watchpost.testing.RunsAlone;

/**
 * A device that cannot keep up: the real detector made slower than the frame interval (as when many
 * cameras share it). The detection rate drops on its own, tracks coast, intrusions are still
 * raised, and the degraded mode is reported to health.
 *
 * <p>Runs alone in the parallel build: the detection rate it checks follows the detector's wall
 * time, and beside another module's tests on a host at load 25 the shed run tracked 6.1 people per
 * frame against the unloaded run's 7.8 (the bound is 80 %).
 */
@RunsAlone
class LoadSheddingTest {
  private static final int FRAMES = 200;

  /** The real detector, each call delayed to inject an overloaded CPU. */
  private record SlowDetector(Detector real, long delayMillis) implements Detector {
    @Override
    public DetectionResult detect(Frame frame) throws DetectorUnavailableException {
      pause();
      return real.detect(frame);
    }

    @Override
    public DetectionResult detect(Frame frame, Region region) throws DetectorUnavailableException {
      pause();
      return real.detect(frame, region);
    }

    private void pause() {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public DetectorStatus status() {
      return real.status();
    }
  }

  private static Vtest.Run run(Detector detector, boolean shedding, HealthSink health) {
    AnalyticsComponent component =
        Vtest.component(
            Map.of("incidents", false, "load_shedding", shedding),
            List.of(
                Vtest.source(
                    "everywhere",
                    new RuleParser.Input(
                        "everywhere",
                        "*",
                        "zone_intrusion",
                        "0,0 1,0 1,1 0,1",
                        new String[] {"person"},
                        "always",
                        "UTC",
                        30,
                        5,
                        600,
                        "both",
                        60,
                        ""))));
    component.addHealthSink(health);
    return Vtest.run(component, sink -> Vtest.frames(FRAMES, sink), detector);
  }

  @Test
  void anOverloadedDeviceLowersTheDetectionRateKeepsTrackingAndStillRaisesIntrusions() {
    List<HealthReport> reports = new CopyOnWriteArrayList<>();
    HealthSink health =
        new HealthSink() {
          @Override
          public void alarm(HealthAlarm alarm) {}

          @Override
          public void report(HealthReport report) {
            reports.add(report);
          }
        };
    Vtest.Run full = run(Vtest.detector(), false, health);
    Vtest.Run shed = run(new SlowDetector(Vtest.detector(), 250), true, health);
    long fullIntrusions = full.events().size();
    long shedIntrusions = shed.events().size();
    double fullPersons =
        full.frames().stream()
            .skip(30)
            .mapToInt(Vtest.FrameLog::confirmedPersons)
            .average()
            .orElse(0);
    double shedPersons =
        shed.frames().stream()
            .skip(30)
            .mapToInt(Vtest.FrameLog::confirmedPersons)
            .average()
            .orElse(0);
    System.out.printf(
        "overloaded: detector on %d of %d frames (unloaded: %d), intrusions %d (unloaded %d), "
            + "people tracked per frame %.2f (unloaded %.2f), health %s%n",
        shed.detectorRuns(),
        FRAMES,
        full.detectorRuns(),
        shedIntrusions,
        fullIntrusions,
        shedPersons,
        fullPersons,
        reports);
    assertTrue(
        shed.detectorRuns() <= FRAMES / 3, "the detection rate dropped: " + shed.detectorRuns());
    assertTrue(
        reports.stream()
            .anyMatch(
                r ->
                    r.subject().equals("vtest")
                        && Boolean.TRUE.equals(r.metrics().get("analytics_degraded"))),
        "degraded mode reported: " + reports);
    assertTrue(
        shedPersons >= 0.8 * fullPersons,
        "tracks coast between runs: " + shedPersons + " vs " + fullPersons);
    assertTrue(
        shedIntrusions >= 0.75 * fullIntrusions,
        "intrusions still raised: " + shedIntrusions + " vs " + fullIntrusions);
  }
}
