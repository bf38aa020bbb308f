// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.watchpost.api.detect.Detection;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.detect.DetectorStatus;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.Region;
import org.watchpost.api.frame.Frame;

/**
 * The real detector's whole-frame detections of every vtest frame, computed once and kept in
 * target/ so that experiments over tracker settings need not run the model again. Crops still go to
 * the real detector.
 */
final class CachedDetections implements Detector {
  private final Map<Long, List<Detection>> byFrame;
  private final Map<Long, Long> nanosByFrame;
  private final Detector real;

  private CachedDetections(
      Map<Long, List<Detection>> byFrame, Map<Long, Long> nanosByFrame, Detector real) {
    this.byFrame = byFrame;
    this.nanosByFrame = nanosByFrame;
    this.real = real;
  }

  static CachedDetections vtest() {
    Path file = Path.of("target", "vtest-detections.tsv");
    Detector real = Vtest.detector();
    Map<Long, List<Detection>> byFrame = new HashMap<>();
    Map<Long, Long> nanos = new HashMap<>();
    try {
      if (!Files.exists(file)) {
        List<String> lines = new ArrayList<>();
        Vtest.frames(
            frame -> {
              try {
                DetectionResult r = real.detect(frame);
                lines.add(frame.sequence() + "\t-\t" + r.totalNanos());
                for (Detection d : r.detections()) {
                  lines.add(
                      String.format(
                          Locale.ROOT,
                          "%d\t%s\t%d\t%f\t%f\t%f\t%f\t%f",
                          frame.sequence(),
                          d.label(),
                          d.classId(),
                          d.score(),
                          d.x1(),
                          d.y1(),
                          d.x2(),
                          d.y2()));
                }
              } catch (DetectorUnavailableException e) {
                throw new IllegalStateException(e);
              }
            });
        Files.write(file, lines);
      }
      for (String line : Files.readAllLines(file)) {
        String[] f = line.split("\t");
        long seq = Long.parseLong(f[0]);
        byFrame.computeIfAbsent(seq, s -> new ArrayList<>());
        if (f[1].equals("-")) {
          nanos.put(seq, Long.parseLong(f[2]));
        } else {
          byFrame
              .get(seq)
              .add(
                  new Detection(
                      Integer.parseInt(f[2]),
                      f[1],
                      Float.parseFloat(f[3]),
                      Float.parseFloat(f[4]),
                      Float.parseFloat(f[5]),
                      Float.parseFloat(f[6]),
                      Float.parseFloat(f[7])));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new CachedDetections(byFrame, nanos, real);
  }

  @Override
  public DetectionResult detect(Frame frame) {
    List<Detection> found = byFrame.get(frame.sequence());
    if (found == null) {
      throw new IllegalStateException("no cached detections for " + frame);
    }
    return new DetectionResult(
        found, 0, nanosByFrame.getOrDefault(frame.sequence(), 0L), 0, real.status().model());
  }

  @Override
  public DetectionResult detect(Frame frame, Region region) throws DetectorUnavailableException {
    return real.detect(frame, region);
  }

  @Override
  public DetectorStatus status() {
    return real.status();
  }
}
