// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.watchpost.analytics.internal.motion.MotionGate;
import org.watchpost.analytics.internal.rules.Rule;
import org.watchpost.analytics.internal.rules.RuleEngine;
import org.watchpost.analytics.internal.rules.RuleParser;
import org.watchpost.analytics.internal.rules.TrackSnapshot;
import org.watchpost.analytics.internal.track.ByteTracker;
import org.watchpost.analytics.internal.track.Track;
import org.watchpost.analytics.internal.track.TrackerSettings;
import org.watchpost.api.detect.Detection;
import org.watchpost.api.frame.Frame;
import org.watchpost.testing.Configs;

/**
 * The analytics figures of the issue, as a command (see the bundle's README for the exact line):
 * tracker + rules per frame at 20 live tracks, the motion gate per 768x576 frame, and on vtest with
 * the real detector the CPU per frame with gating on and off, the person-seconds still tracked with
 * gating on, and events per minute against detections per minute. Each figure is the median of
 * several runs in one process.
 */
public final class AnalyticsBenchmark {
  private static final int RUNS = 5;

  public static void main(String[] args) {
    nu.pattern.OpenCV.loadLocally();
    int vtestRuns = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    trackerAndRules();
    motionGate();
    vtest(vtestRuns);
    System.exit(0);
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /**
   * 20 people walking straight lines with noisy boxes, detected on every frame, through a realistic
   * rule set.
   */
  private static void trackerAndRules() {
    List<Rule> rules = new ArrayList<>();
    for (RuleParser.Input in :
        List.of(
            Rules.input("line", "line_crossing", "0.5,0.05 0.5,0.95"),
            Rules.input("zone", "zone_intrusion", "0.1,0.1 0.6,0.1 0.6,0.6 0.1,0.6"),
            Rules.with(
                Rules.input("loiter", "loitering", "0.3,0.3 0.9,0.3 0.9,0.9 0.3,0.9"),
                "always",
                20,
                5,
                60,
                "both"),
            Rules.with(
                Rules.input("crowd", "crowd", "0.2,0.2 0.8,0.2 0.8,0.8 0.2,0.8"),
                "always",
                5,
                8,
                60,
                "both"),
            Rules.input("count", "zone_count", "0,0 1,0 1,1 0,1"))) {
      rules.add(Rules.parse(in));
    }
    int frames = 3000;
    double[] perFrameMicros = new double[RUNS + 2];
    int live = 0;
    for (int run = 0; run < RUNS + 2; run++) {
      SplittableRandom random = new SplittableRandom(run);
      double[][] people = new double[20][4];
      for (double[] p : people) {
        p[0] = random.nextDouble(50, 700);
        p[1] = random.nextDouble(100, 500);
        p[2] = random.nextDouble(-4, 4);
        p[3] = random.nextDouble(-2, 2);
      }
      ByteTracker tracker = new ByteTracker(TrackerSettings.defaults());
      RuleEngine engine = new RuleEngine("bench");
      engine.rules(rules);
      long total = 0;
      for (int f = 0; f < frames; f++) {
        long now = 1_000_000L + f * 100L;
        List<Detection> detections = new ArrayList<>(20);
        for (double[] p : people) {
          p[0] += p[2];
          p[1] += p[3];
          if (p[0] < 20 || p[0] > 740) {
            p[2] = -p[2];
          }
          if (p[1] < 90 || p[1] > 560) {
            p[3] = -p[3];
          }
          double j = random.nextDouble(-1.5, 1.5);
          detections.add(
              new Detection(
                  0,
                  "person",
                  (float) random.nextDouble(0.55, 0.95),
                  (float) (p[0] - 15 + j),
                  (float) (p[1] - 80 + j),
                  (float) (p[0] + 15 + j),
                  (float) (p[1] + j)));
        }
        long t0 = System.nanoTime();
        tracker.update(detections, null, now);
        List<TrackSnapshot> snaps = new ArrayList<>();
        for (Track t : tracker.tracks()) {
          if (t.live()) {
            snaps.add(
                new TrackSnapshot(
                    t.id(),
                    t.label(),
                    t.score(),
                    t.box(),
                    t.firstSeenMillis(),
                    t.hasMoved(),
                    t.stationary(),
                    true));
          }
        }
        engine.evaluate(snaps, now, 768, 576);
        total += System.nanoTime() - t0;
        live = snaps.size();
      }
      perFrameMicros[run] = total / 1e3 / frames;
    }
    double[] measured = Arrays.copyOfRange(perFrameMicros, 2, RUNS + 2);
    System.out.printf(
        "tracker+rules, 20 tracks (%d live at the end), 5 rules: median %.1f us/frame (runs %s)%n",
        live, median(measured), Arrays.toString(round(measured)));
  }

  /** The motion gate on the first 200 frames of vtest, held in memory. */
  private static void motionGate() {
    List<Frame> frames = new ArrayList<>();
    Vtest.frames(
        200,
        f -> {
          ByteBuffer copy = ByteBuffer.allocateDirect(f.width() * f.height() * 3);
          copy.put(f.pixels()).flip();
          frames.add(
              new Frame(
                  "vtest",
                  f.sequence(),
                  f.captureEpochMillis(),
                  f.streamMillis(),
                  0,
                  f.width(),
                  f.height(),
                  copy,
                  null));
        });
    AnalyticsSettings s = AnalyticsSettings.from(Configs.defaults(AnalyticsConfig.class));
    double[] perFrameMicros = new double[RUNS + 1];
    double[] fastest = new double[RUNS + 1];
    for (int run = 0; run < RUNS + 1; run++) {
      MotionGate gate = new MotionGate(s.motion(), 768, 576, List.of());
      long total = 0;
      long best = Long.MAX_VALUE;
      for (Frame f : frames) {
        long t0 = System.nanoTime();
        gate.apply(f);
        long took = System.nanoTime() - t0;
        total += took;
        best = Math.min(best, took);
      }
      gate.close();
      perFrameMicros[run] = total / 1e3 / frames.size();
      fastest[run] = best / 1e3;
    }
    double[] measured = Arrays.copyOfRange(perFrameMicros, 1, RUNS + 1);
    System.out.printf(
        "motion gate, 768x576 -> %d px wide: median of run means %.0f us/frame (runs %s), fastest frame %.0f us;"
            + " load average %.1f on %d cores%n",
        s.motion().width(),
        median(measured),
        Arrays.toString(round(measured)),
        median(Arrays.copyOfRange(fastest, 1, RUNS + 1)),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().availableProcessors());
  }

  /** vtest with the real detector, gating on and off, the default rule set and incidents. */
  private static void vtest(int runs) {
    var detector = Vtest.detector();
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Map<Boolean, List<double[]>> results = new HashMap<>();
    // Decoding alone, to take out of the process CPU of the runs.
    long cpu0 = os.getProcessCpuTime();
    Vtest.frames(f -> {});
    double decodeCpuMs = (os.getProcessCpuTime() - cpu0) / 1e6 / Vtest.FRAMES;
    for (int run = 0; run < runs; run++) {
      for (boolean gating : new boolean[] {false, true}) {
        AnalyticsComponent component =
            Vtest.component(
                Map.of("motion_gating", gating, "load_shedding", false), Vtest.defaultRules());
        long cpu = os.getProcessCpuTime();
        Vtest.Run r = Vtest.run(component, Vtest::frames, detector);
        double cpuPerFrameMs =
            (os.getProcessCpuTime() - cpu) / 1e6 / r.frames().size() - decodeCpuMs;
        double computeMs =
            r.frames().stream().mapToLong(l -> l.analyticsNanos() + l.detectorNanos()).sum()
                / 1e6
                / r.frames().size();
        double analyticsMs =
            median(r.frames().stream().mapToDouble(l -> l.analyticsNanos() / 1e6).toArray());
        double personSeconds =
            r.frames().stream().mapToInt(Vtest.FrameLog::confirmedPersons).sum() * 0.1;
        double minutes = r.frames().size() / 10.0 / 60;
        @SuppressWarnings("unchecked")
        long ruleEvents =
            ((Map<String, Object>) r.summary().get("rule_events_by_type"))
                .values().stream().mapToLong(v -> ((Number) v).longValue()).sum();
        results
            .computeIfAbsent(gating, g -> new ArrayList<>())
            .add(
                new double[] {
                  cpuPerFrameMs,
                  computeMs,
                  analyticsMs,
                  r.detectorRuns(),
                  personSeconds,
                  r.events().size() / minutes,
                  r.detections() / minutes,
                  ruleEvents / minutes
                });
        System.out.printf(
            "  vtest gating %-5s: cpu %.1f ms/frame, detector+analytics %.1f ms/frame, analytics median %.2f ms,"
                + " detector on %d frames, person-seconds %.1f, events/min %.1f, detections/min %.0f, rule events/min %.1f%n",
            gating,
            cpuPerFrameMs,
            computeMs,
            analyticsMs,
            r.detectorRuns(),
            personSeconds,
            r.events().size() / minutes,
            r.detections() / minutes,
            ruleEvents / minutes);
      }
    }
    double[] on = medians(results.get(true));
    double[] off = medians(results.get(false));
    System.out.printf(
        "vtest (medians of %d runs; decoding %.1f ms/frame taken out):%n", runs, decodeCpuMs);
    System.out.printf(
        "  CPU per frame: gating off %.1f ms, gating on %.1f ms (%.0f%% saved); detector+analytics time %.1f vs %.1f ms%n",
        off[0], on[0], 100 * (1 - on[0] / off[0]), off[1], on[1]);
    System.out.printf(
        "  detector runs: %.0f vs %.0f of %d frames; person-seconds tracked with gating on: %.1f%% of gating off (%.1f vs %.1f)%n",
        off[3], on[3], Vtest.FRAMES, 100 * on[4] / off[4], on[4], off[4]);
    System.out.printf(
        "  events/min %.1f (rule events before incidents %.1f) vs detections/min %.0f (every frame): reduction x%.0f (x%.0f)%n",
        on[5], on[7], off[6], off[6] / on[5], off[6] / on[7]);
  }

  private static double[] medians(List<double[]> rows) {
    double[] out = new double[rows.get(0).length];
    for (int i = 0; i < out.length; i++) {
      final int col = i;
      out[i] = median(rows.stream().mapToDouble(r -> r[col]).toArray());
    }
    return out;
  }

  private static String[] round(double[] v) {
    return Arrays.stream(v).mapToObj(x -> String.format("%.1f", x)).toArray(String[]::new);
  }
}
