// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import com.google.gson.GsonBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.opencv.core.Mat;
import org.opencv.imgcodecs.Imgcodecs;
import org.watchpost.api.detect.Detection;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.frame.SourceUris;
import org.watchpost.inference.tools.HostDetector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What the model sees: per-frame detections for an image or chosen frames of a video. */
@Command(
    name = "detect",
    mixinStandardHelpOptions = true,
    description =
        "Print the detections (class, score, box in pixels) for an image or for chosen frames of a video.")
final class DetectCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "An image (jpg, png) or a video file / stream.")
  String source;

  @Option(names = "--frames", split = ",", description = "Frame numbers of a video (default: 0).")
  List<Long> frames = List.of(0L);

  @Option(names = "--json", description = "Also write the detections as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    List<Map<String, Object>> results = new ArrayList<>();
    try (HostDetector engine = Detectors.load(1)) {
      String lower = source.toLowerCase(Locale.ROOT);
      if (lower.endsWith(".jpg")
          || lower.endsWith(".jpeg")
          || lower.endsWith(".png")
          || lower.endsWith(".bmp")) {
        Mat image = Imgcodecs.imread(source);
        if (image.empty()) {
          System.err.println("detect: cannot read the image " + SourceUris.redact(source));
          return 2;
        }
        try {
          results.add(report(0, engine.detect(image, null)));
        } finally {
          image.release();
        }
      } else {
        TreeSet<Long> wanted = new TreeSet<>(frames);
        FrameSource video =
            Detectors.capture().open(new SourceSpec("detect", source, false, false));
        try {
          Frame next;
          while (!wanted.isEmpty() && (next = video.read()) != null) {
            try (Frame frame = next) {
              if (wanted.remove(frame.sequence())) {
                results.add(report(frame.sequence(), engine.detect(frame, null)));
              }
            }
          }
        } finally {
          video.close();
        }
        if (!wanted.isEmpty()) {
          System.err.println("detect: the source ended before frames " + wanted);
        }
      }
    }
    if (json != null) {
      Files.writeString(
          json, new GsonBuilder().setPrettyPrinting().create().toJson(results) + "\n");
    }
    return 0;
  }

  private static Map<String, Object> report(long frame, DetectionResult result) {
    System.out.printf(
        Locale.ROOT,
        "frame %d: %d detections (%.1f ms)%n",
        frame,
        result.detections().size(),
        result.totalNanos() / 1e6);
    List<Map<String, Object>> detections = new ArrayList<>();
    for (Detection d : result.detections()) {
      System.out.printf(
          Locale.ROOT,
          "  %-10s %.2f  [%.0f, %.0f, %.0f, %.0f]%n",
          d.label(),
          d.score(),
          d.x1(),
          d.y1(),
          d.x2(),
          d.y2());
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("class", d.label());
      item.put("score", Math.round(d.score() * 1000) / 1000.0);
      item.put(
          "box",
          List.of(Math.round(d.x1()), Math.round(d.y1()), Math.round(d.x2()), Math.round(d.y2())));
      detections.add(item);
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("frame", frame);
    entry.put("detections", detections);
    return entry;
  }
}
