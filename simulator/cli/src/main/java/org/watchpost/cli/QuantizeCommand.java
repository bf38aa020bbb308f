// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.watchpost.quantize.QuantizeException;
import org.watchpost.quantize.QuantizeOptions;
import org.watchpost.quantize.QuantizeTool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code watchpost model quantize}: an INT8 model directory from an FP32 one (host tool, never on
 * the device).
 */
@Command(
    name = "quantize",
    mixinStandardHelpOptions = true,
    description = {
      "Make an INT8 model directory (static QDQ: int8 weights per output channel, uint8 activations "
          + "calibrated through ONNX Runtime) from an FP32 model directory. The result has its own manifest.json; "
          + "'model pack' signs it like any other, and a device runs it when its detector's model.manifest names it.",
      "Calibrate on 100-500 frames of what the cameras see. --ranges reuses the ranges of an earlier run "
          + "(its calibration.json), which gives the same bytes on every machine."
    })
final class QuantizeCommand implements Callable<Integer> {
  @Option(
      names = "--model",
      required = true,
      description = "The FP32 model directory (with manifest.json).")
  Path model;

  @Option(
      names = "--calibration",
      split = ",",
      description =
          "Directory of images or a video file (any that ffmpeg reads); repeatable or comma-separated.")
  List<Path> calibration = new ArrayList<>();

  @Option(
      names = "--ranges",
      description = "calibration.json of an earlier run: no calibration, same bytes.")
  Path ranges;

  @Option(names = "--out", required = true, description = "The INT8 model directory to write.")
  Path out;

  @Option(
      names = "--name",
      description = "The INT8 model's name (default: the FP32 name with -int8).")
  String name;

  @Option(
      names = "--frames",
      description = "Most calibration frames, spread over the sources (default: ${DEFAULT-VALUE}).")
  int frames = QuantizeTool.DEFAULT_FRAMES;

  @Option(
      names = "--percentile",
      description =
          "Share of each activation's values its range holds, 99..100; 100 is min/max (default: ${DEFAULT-VALUE}).")
  double percentile = QuantizeOptions.DEFAULT_PERCENTILE;

  @Option(
      names = "--float-stem",
      description = "Weighted layers from the input kept float (default: ${DEFAULT-VALUE}).")
  int floatStem = QuantizeOptions.DEFAULT_FLOAT_STEM_LAYERS;

  @Option(names = "--float-nodes", split = ",", description = "Node names kept float in addition.")
  List<String> floatNodes = new ArrayList<>();

  @Option(
      names = "--threads",
      description = "ONNX Runtime threads for calibration (default: ${DEFAULT-VALUE}).")
  int threads = 2;

  @Override
  public Integer call() {
    if (ranges == null && calibration.isEmpty()) {
      System.err.println(
          "model quantize: give --calibration DIR|VIDEO (or --ranges FILE from an earlier run)");
      return 2;
    }
    try {
      QuantizeOptions options =
          new QuantizeOptions(
              floatStem,
              true,
              Set.copyOf(floatNodes),
              percentile,
              QuantizeOptions.defaults().opTypes());
      long started = System.nanoTime();
      QuantizeTool.Outcome outcome =
          QuantizeTool.run(
              new QuantizeTool.Request(
                  model, calibration, ranges, out, name, frames, threads, options));
      System.out.printf(
          Locale.ROOT,
          "model quantize: %s (%d bytes, sha256 %s)%n",
          outcome.model(),
          outcome.size(),
          outcome.sha256());
      System.out.printf(
          Locale.ROOT,
          "  %d nodes in int8, %d float; %s%n",
          outcome.summary().quantizedNodes(),
          outcome.summary().floatNodes(),
          ranges != null
              ? "ranges from " + ranges
              : "calibrated on " + outcome.frames() + " frames");
      System.out.printf(
          Locale.ROOT,
          "  manifest %s; %.1f s%n",
          outcome.manifest(),
          (System.nanoTime() - started) / 1e9);
      return 0;
    } catch (QuantizeException | IllegalArgumentException e) {
      System.err.println("model quantize: " + e.getMessage());
      return 1;
    }
  }
}
