// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import com.google.gson.GsonBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.frame.SourceUris;
import org.watchpost.inference.tools.BareRuntime;
import org.watchpost.inference.tools.HostDetector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * In one process on the same frames: (a) bare ONNX Runtime on ready tensors, the floor; (b) the
 * detector from a decoded frame to detections. Decoding is measured apart: it belongs to the source
 * and is often done in hardware. The two are interleaved frame by frame so that a noisy machine
 * affects both alike.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Measure the detector against bare ONNX Runtime on the same frames; print per-stage medians and the ratio.")
final class BenchCommand implements Callable<Integer> {
  private static final int WARM_UP_RUNS = 5;

  @Option(names = "--source", required = true, description = "Video file to take the frames from.")
  String source;

  @Option(
      names = "--cameras",
      description =
          "Instead of the per-frame bench: the real runtime with this many busy cameras "
              + "playing --source in real time (newest frame wins, all analytics and health), sharing one detector; "
              + "prints each camera's detector runs per second, skipped frames, events, resident memory, and the CPU cores "
              + "the runtime and its decoders used per camera (by thread, from /proc).")
  int cameras = 0;

  @Option(
      names = "--seconds",
      description = "With --cameras: seconds of stream per camera (default: ${DEFAULT-VALUE}).")
  double seconds = 60;

  @Option(names = "--frames", description = "Frames measured (default: ${DEFAULT-VALUE}).")
  int frames = 100;

  @Option(
      names = "--threads",
      description = "ONNX Runtime intra-op threads (default: ${DEFAULT-VALUE}).")
  int threads = 1;

  @Option(
      names = "--model",
      description =
          "Model: a name under models/ (yolox-nano, yolox-nano-int8), a model directory or a manifest (default: ${DEFAULT-VALUE}).")
  String model = Detectors.DEFAULT_MODEL;

  @Option(names = "--json", description = "Also write the figures as JSON to this file.")
  Path json;

  @Override
  public Integer call() throws Exception {
    if (cameras > 0) {
      return CamerasBench.run(
          cameras, seconds, Path.of(source).toAbsolutePath().toString(), model, threads, json);
    }
    List<Frame> decoded = new ArrayList<>();
    long[] decode = new long[frames];
    FrameSource video = Detectors.capture().open(new SourceSpec("bench", source, false, false));
    try {
      Frame frame;
      while (decoded.size() < frames && (frame = video.read()) != null) {
        decode[decoded.size()] = frame.decodeNanos();
        decoded.add(frame);
      }
    } finally {
      video.close();
    }
    int n = decoded.size();
    if (n == 0) {
      System.err.println("bench: no frames from " + SourceUris.redact(source));
      return 2;
    }
    long[] raw = new long[n];
    long[] pipeline = new long[n];
    long[] preprocess = new long[n];
    long[] inference = new long[n];
    long[] postprocess = new long[n];
    try (HostDetector engine = Detectors.load(threads, model);
        BareRuntime bare = engine.bareRuntime()) {
      List<BareRuntime.Input> tensors = new ArrayList<>();
      try {
        for (Frame frame : decoded) {
          tensors.add(bare.input(frame));
        }
        for (int i = 0; i < WARM_UP_RUNS; i++) {
          bare.runNanos(tensors.get(i % n));
          engine.detect(decoded.get(i % n), null);
        }
        for (int i = 0; i < n; i++) {
          raw[i] = bare.runNanos(tensors.get(i));
          long started = System.nanoTime();
          DetectionResult result = engine.detect(decoded.get(i), null);
          pipeline[i] = System.nanoTime() - started;
          preprocess[i] = result.preprocessNanos();
          inference[i] = result.inferenceNanos();
          postprocess[i] = result.postprocessNanos();
        }
      } finally {
        // ORT tensors hold native buffers: closed on every path, also when a run fails (issue 19).
        tensors.forEach(BareRuntime.Input::close);
      }
    } finally {
      decoded.forEach(Frame::close);
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("source", SourceUris.redact(source));
    figures.put("frames", n);
    figures.put("threads", threads);
    figures.put("model", model);
    figures.put("decode_ms_median", medianMillis(Arrays.copyOf(decode, n)));
    figures.put("raw_inference_ms_median", medianMillis(raw));
    figures.put("pipeline_ms_median", medianMillis(pipeline));
    figures.put("preprocess_ms_median", medianMillis(preprocess));
    figures.put("inference_ms_median", medianMillis(inference));
    figures.put("postprocess_ms_median", medianMillis(postprocess));
    figures.put("ratio", Math.round(median(pipeline) / median(raw) * 1000) / 1000.0);
    System.out.printf(
        Locale.ROOT,
        "bench: %d frames of %s, %d thread(s), model %s%n",
        n,
        SourceUris.redact(source),
        threads,
        model);
    System.out.printf(
        Locale.ROOT, "  decode (source, apart)      %7.2f ms%n", figures.get("decode_ms_median"));
    System.out.printf(
        Locale.ROOT,
        "  (a) bare ONNX Runtime run   %7.2f ms%n",
        figures.get("raw_inference_ms_median"));
    System.out.printf(
        Locale.ROOT,
        "  (b) detector, frame to detections %7.2f ms = preprocess %.2f + inference %.2f + postprocess %.2f%n",
        figures.get("pipeline_ms_median"),
        figures.get("preprocess_ms_median"),
        figures.get("inference_ms_median"),
        figures.get("postprocess_ms_median"));
    System.out.printf(Locale.ROOT, "  ratio b/a                   %7.3f%n", figures.get("ratio"));
    if (json != null) {
      Files.writeString(
          json, new GsonBuilder().setPrettyPrinting().create().toJson(figures) + "\n");
    }
    return 0;
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
  }

  private static double medianMillis(long[] values) {
    return Math.round(median(values) / 1e4) / 100.0;
  }
}
