// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.watchpost.quantize.onnx.Onnx.GraphProto;
import org.watchpost.quantize.onnx.Onnx.ModelProto;
import org.watchpost.quantize.onnx.Onnx.TensorProto;
import org.watchpost.quantize.onnx.Onnx.TypeProto;
import org.watchpost.quantize.onnx.Onnx.ValueInfoProto;

/**
 * Observes the range of every activation the plan quantizes: the float model runs in ONNX Runtime
 * with those intermediate tensors added as graph outputs, on frames prepared exactly as the
 * detector prepares them (letterbox at the top left, padding grey, planar float 0..255 in the
 * model's channel order).
 */
public final class Calibrator {
  /** The input contract of the model, from its manifest. */
  public record Input(String name, int width, int height, boolean rgb, int pad) {}

  private Calibrator() {}

  public static Ranges calibrate(
      ModelProto original,
      String modelSha256,
      Input input,
      List<Path> frames,
      QuantizeOptions options,
      int threads)
      throws QuantizeException {
    ModelProto model = QdqQuantizer.raiseOpset(original);
    QdqPlan plan = QdqQuantizer.plan(model, options);
    Set<String> wanted = new LinkedHashSet<>(plan.activations);
    GraphProto.Builder graph = model.getGraph().toBuilder();
    Set<String> outputs = new LinkedHashSet<>();
    graph.getOutputList().forEach(o -> outputs.add(o.getName()));
    for (String tensor : wanted) {
      if (outputs.add(tensor)) {
        graph.addOutput(
            ValueInfoProto.newBuilder()
                .setName(tensor)
                .setType(
                    TypeProto.newBuilder()
                        .setTensorType(
                            TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.FLOAT_VALUE))));
      }
    }
    byte[] augmented = model.toBuilder().setGraph(graph).build().toByteArray();
    Map<String, float[]> ranges = new HashMap<>();
    Map<String, long[]> histograms = new HashMap<>();
    org.watchpost.api.natives.NativeLibraries.prepareOnnxRuntime(OrtEnvironment.class);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
      so.setIntraOpNumThreads(threads);
      // Intermediate tensors must keep their float meaning: no fusion may fold them away.
      so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
      try (OrtSession session = env.createSession(augmented, so)) {
        float[] tensor = new float[3 * input.width() * input.height()];
        // Pass 1 finds each activation's extremes; pass 2 (percentile only) counts values in bins
        // between them.
        int passes = options.percentile() < 100 ? 2 : 1;
        for (int pass = 0; pass < passes; pass++) {
          for (Path frame : frames) {
            prepare(frame, input, tensor);
            try (OnnxTensor in =
                    OnnxTensor.createTensor(
                        env,
                        FloatBuffer.wrap(tensor),
                        new long[] {1, 3, input.height(), input.width()});
                OrtSession.Result result = session.run(Map.of(input.name(), in), wanted)) {
              for (Map.Entry<String, OnnxValue> e : result) {
                FloatBuffer values = ((OnnxTensor) e.getValue()).getFloatBuffer();
                if (pass == 0) {
                  observe(ranges, e.getKey(), values);
                } else {
                  count(histograms, ranges.get(e.getKey()), e.getKey(), values);
                }
              }
            }
          }
        }
        if (passes == 2) {
          for (Map.Entry<String, long[]> e : histograms.entrySet()) {
            ranges.put(
                e.getKey(), clip(ranges.get(e.getKey()), e.getValue(), options.percentile()));
          }
        }
      }
    } catch (OrtException e) {
      throw new QuantizeException("ONNX Runtime failed while calibrating: " + e.getMessage(), e);
    }
    List<String> missing = new ArrayList<>(wanted);
    missing.removeAll(ranges.keySet());
    if (!missing.isEmpty()) {
      throw new QuantizeException("calibration saw no values for " + missing);
    }
    return new Ranges(
        1,
        modelSha256,
        options.percentile() < 100 ? "percentile " + options.percentile() : "minmax",
        frames.size(),
        frames.size() + " frames",
        ranges);
  }

  static final int BINS = 4096;

  private static void count(
      Map<String, long[]> histograms, float[] range, String name, FloatBuffer values) {
    long[] bins = histograms.computeIfAbsent(name, k -> new long[BINS]);
    float lo = range[0];
    float width = (range[1] - range[0]) / BINS;
    if (!(width > 0)) {
      return;
    }
    while (values.hasRemaining()) {
      int bin = (int) ((values.get() - lo) / width);
      bins[Math.max(0, Math.min(BINS - 1, bin))]++;
    }
  }

  /**
   * Cuts the rarest tails: keeps the range that holds {@code percentile} % of the values, the rest
   * split evenly.
   */
  static float[] clip(float[] range, long[] bins, double percentile) {
    long total = 0;
    for (long b : bins) {
      total += b;
    }
    if (total == 0) {
      return range;
    }
    double tail = total * (100 - percentile) / 200;
    float width = (range[1] - range[0]) / bins.length;
    int first = 0;
    long seen = 0;
    while (first < bins.length - 1 && seen + bins[first] <= tail) {
      seen += bins[first++];
    }
    int last = bins.length - 1;
    seen = 0;
    while (last > first && seen + bins[last] <= tail) {
      seen += bins[last--];
    }
    return new float[] {range[0] + first * width, range[0] + (last + 1) * width};
  }

  private static void observe(Map<String, float[]> ranges, String name, FloatBuffer values) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    while (values.hasRemaining()) {
      float v = values.get();
      if (v < min) {
        min = v;
      }
      if (v > max) {
        max = v;
      }
    }
    if (min > max) {
      return;
    }
    float[] r =
        ranges.computeIfAbsent(
            name, k -> new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
    r[0] = Math.min(r[0], min);
    r[1] = Math.max(r[1], max);
  }

  /**
   * Letterbox as the detector does: scaled to fit, anchored top-left, the rest grey; planar float.
   */
  static void prepare(Path image, Input input, float[] into) throws QuantizeException {
    Mat bgr = CalibrationFrames.read(image);
    Mat canvas = new Mat(input.height(), input.width(), CvType.CV_8UC3, Scalar.all(input.pad()));
    Mat floats = new Mat();
    try {
      double ratio =
          Math.min((double) input.width() / bgr.cols(), (double) input.height() / bgr.rows());
      int w = Math.max(1, Math.min(input.width(), (int) Math.round(bgr.cols() * ratio)));
      int h = Math.max(1, Math.min(input.height(), (int) Math.round(bgr.rows() * ratio)));
      Mat target = canvas.submat(0, h, 0, w);
      Imgproc.resize(bgr, target, new Size(w, h), 0, 0, Imgproc.INTER_LINEAR);
      target.release();
      if (input.rgb()) {
        Imgproc.cvtColor(canvas, canvas, Imgproc.COLOR_BGR2RGB);
      }
      List<Mat> planes = new ArrayList<>();
      Core.split(canvas, planes);
      int plane = input.width() * input.height();
      for (int c = 0; c < 3; c++) {
        planes.get(c).convertTo(floats, CvType.CV_32F);
        float[] p = new float[plane];
        floats.get(0, 0, p);
        System.arraycopy(p, 0, into, c * plane, plane);
        planes.get(c).release();
      }
    } finally {
      floats.release();
      canvas.release();
      bgr.release();
    }
  }
}
