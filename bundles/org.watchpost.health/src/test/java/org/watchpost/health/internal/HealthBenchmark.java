// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.capture.internal.CaptureComponent;
import org.watchpost.capture.internal.CaptureConfig;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

/**
 * Measures camera health on vtest (768x576): the cost of one analysed frame (the analyser alone,
 * and the whole observer path with judging, debounce and baseline adaptation), the amortised cost
 * per frame at the default 2 analysed frames per second, and the delay from fault onset to alarm
 * and from fault end to clear for every fault. Run with {@code ./mvnw -o verify -pl
 * bundles/org.watchpost.health -am -DskipTests -Pbenchmark}.
 */
public final class HealthBenchmark {
  private static final int FRAMES = 120;
  private static final int ROUNDS = 7;

  private HealthBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<ByteBuffer> frames = decode();
    System.out.printf(
        Locale.ROOT,
        "health analysis on %d vtest frames of 768x576, %d rounds, median per frame:%n",
        FRAMES,
        ROUNDS);
    analyserAlone(frames);
    observerPath(frames, 30.0, "observer, every frame analysed (ms per analysed frame)");
    observerPath(frames, 2.0, "observer, default 2 analysed fps on 10 fps (ms per frame seen)");
    faultLatencies();
  }

  private static List<ByteBuffer> decode() throws Exception {
    List<ByteBuffer> frames = new ArrayList<>();
    CaptureComponent capture = new CaptureComponent(Configs.defaults(CaptureConfig.class));
    try (FrameSource source =
        capture.open(new SourceSpec("cam", SharedData.vtestMjpeg().toString(), false, false))) {
      for (int i = 0; i < FRAMES; i++) {
        try (Frame frame = source.read()) {
          ByteBuffer copy = ByteBuffer.allocateDirect(frame.pixels().remaining());
          copy.put(frame.pixels()).flip();
          frames.add(copy);
        }
      }
    }
    return frames;
  }

  private static Frame frame(List<ByteBuffer> frames, long index) {
    ByteBuffer pixels = frames.get((int) (index % frames.size()));
    return new Frame(
        "cam",
        index,
        1_700_000_000_000L + index * 100,
        index * 100,
        0,
        768,
        576,
        pixels.duplicate(),
        null);
  }

  private static void analyserAlone(List<ByteBuffer> frames) {
    nu.pattern.OpenCV.loadLocally();
    try (FrameAnalyzer analyzer = new FrameAnalyzer(768, 576)) {
      org.opencv.core.Mat reference = null;
      double[] rounds = new double[ROUNDS + 1];
      long index = 0;
      for (int round = 0; round <= ROUNDS; round++) {
        long started = System.nanoTime();
        for (int i = 0; i < FRAMES; i++) {
          analyzer.measure(frame(frames, index++), reference, 0.25, index % 2 == 0);
          if (reference == null) {
            reference = analyzer.structure().clone();
          }
        }
        rounds[round] = (System.nanoTime() - started) / 1e6 / FRAMES;
      }
      print("analyser alone, view compared on every other frame (ms per analysed frame)", rounds);
    }
  }

  private static void observerPath(List<ByteBuffer> frames, double analysisFps, String label) {
    CameraHealthComponent health =
        new CameraHealthComponent(
            Configs.with(
                CameraHealthConfig.class,
                Map.of(
                    "baseline_dir",
                    SharedData.scratchDirectory("bench").toString(),
                    "analysis_fps",
                    analysisFps,
                    "baseline_learn_s",
                    2.0)));
    long index = 0;
    // Past learning first, so that the rounds measure the steady state with a reference view.
    for (int i = 0; i < 40; i++) {
      health.onFrame(frame(frames, index++));
    }
    double[] rounds = new double[ROUNDS + 1];
    for (int round = 0; round <= ROUNDS; round++) {
      long started = System.nanoTime();
      for (int i = 0; i < FRAMES; i++) {
        health.onFrame(frame(frames, index++));
      }
      rounds[round] = (System.nanoTime() - started) / 1e6 / FRAMES;
    }
    health.deactivate();
    print(label, rounds);
  }

  /** Drops the warm-up round, prints the median and the range of the others. */
  private static void print(String label, double[] rounds) {
    double[] measured = Arrays.copyOfRange(rounds, 1, rounds.length);
    Arrays.sort(measured);
    System.out.printf(
        Locale.ROOT,
        "  %-66s median %.3f  (min %.3f, max %.3f)%n",
        label,
        measured[measured.length / 2],
        measured[0],
        measured[measured.length - 1]);
  }

  private static void faultLatencies() throws Exception {
    System.out.println(
        "fault from 30 s to 45 s of vtest at 10 fps, default configuration (stream time):");
    for (String fault :
        new String[] {
          "black",
          "dim:0.15",
          "overexpose",
          "freeze",
          "blur",
          "blur:1.5",
          "cover",
          "cover:0.65",
          "shift",
          "shift:0.03",
          "drop",
          "slow"
        }) {
      CameraHealthComponent health =
          new CameraHealthComponent(
              Configs.with(
                  CameraHealthConfig.class,
                  Map.of(
                      "baseline_dir", SharedData.scratchDirectory("bench-" + fault).toString())));
      RecordingSink sink = new RecordingSink();
      health.addSink(sink);
      ClipRun.play(health, "cam", ClipRun.vtest(), FaultSchedule.parse(fault + "@30-45"), 60_000);
      health.deactivate();
      HealthAlarm raised =
          sink.alarms.stream().filter(HealthAlarm::raised).findFirst().orElse(null);
      HealthAlarm cleared = sink.alarms.stream().filter(a -> !a.raised()).findFirst().orElse(null);
      System.out.printf(
          Locale.ROOT,
          "  %-11s %-12s onset to alarm %5s s, end to clear %5s s, alarms %d%n",
          fault,
          raised == null ? "not raised" : raised.state(),
          raised == null ? "-" : seconds(raised.streamMillis() - 30_000),
          cleared == null ? "-" : seconds(cleared.streamMillis() - 45_000),
          sink.alarms.size());
    }
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.1f", millis / 1000.0);
  }
}
