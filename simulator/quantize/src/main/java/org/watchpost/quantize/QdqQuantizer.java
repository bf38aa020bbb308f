// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.watchpost.quantize.onnx.Onnx.AttributeProto;
import org.watchpost.quantize.onnx.Onnx.GraphProto;
import org.watchpost.quantize.onnx.Onnx.ModelProto;
import org.watchpost.quantize.onnx.Onnx.NodeProto;
import org.watchpost.quantize.onnx.Onnx.OperatorSetIdProto;
import org.watchpost.quantize.onnx.Onnx.TensorProto;

/**
 * Rewrites a float model into ONNX's QDQ form: every planned activation gets QuantizeLinear →
 * DequantizeLinear (uint8, asymmetric, from its calibrated range), every Conv/MatMul weight becomes
 * an int8 initializer with one scale per output channel behind a DequantizeLinear, and every bias
 * an int32 initializer on the scale input-scale × weight-scale, as ONNX Runtime's integer kernels
 * expect. Pure arithmetic on the calibrated ranges, so the same model and ranges give the same
 * bytes on every machine.
 */
public final class QdqQuantizer {
  /** Opset where DequantizeLinear gained per-axis scales. */
  static final int MIN_OPSET = 13;

  /**
   * Default-domain operators whose opset 11/12 definition means the same at 13, so the import can
   * be raised.
   */
  static final Set<String> SAME_AT_13 =
      Set.of(
          "Add",
          "Sub",
          "Mul",
          "Div",
          "Concat",
          "Conv",
          "MatMul",
          "Gemm",
          "MaxPool",
          "AveragePool",
          "GlobalAveragePool",
          "Reshape",
          "Resize",
          "Sigmoid",
          "Slice",
          "Transpose",
          "Relu",
          "LeakyRelu",
          "Exp",
          "Identity",
          "Constant",
          "Shape",
          "Gather",
          "Cast",
          "Flatten",
          "Pad",
          "Clip",
          "HardSigmoid",
          "Sqrt",
          "Pow",
          "Tanh",
          "Upsample");

  static final String SUFFIX_Q = "_quantized";
  static final String SUFFIX_DQ = "_dequantized";

  private QdqQuantizer() {}

  /** What the rewrite did, for the manifest and the log. */
  public record Summary(
      int quantizedNodes, int floatNodes, int activations, int weights, List<String> floatOps) {}

  public record Result(ModelProto model, Summary summary) {}

  static ModelProto raiseOpset(ModelProto model) throws QuantizeException {
    ModelProto.Builder builder = model.toBuilder();
    for (int i = 0; i < builder.getOpsetImportCount(); i++) {
      OperatorSetIdProto opset = builder.getOpsetImport(i);
      if ((opset.getDomain().isEmpty() || opset.getDomain().equals("ai.onnx"))
          && opset.getVersion() < MIN_OPSET) {
        if (opset.getVersion() < 11) {
          throw new QuantizeException(
              "model imports opset " + opset.getVersion() + "; export it at opset 11 or later");
        }
        for (NodeProto node : model.getGraph().getNodeList()) {
          if (node.getDomain().isEmpty() && !SAME_AT_13.contains(node.getOpType())) {
            throw new QuantizeException(
                "model imports opset "
                    + opset.getVersion()
                    + " and uses "
                    + node.getOpType()
                    + ", which changed by opset 13; export it at opset 13 or later");
          }
        }
        builder.setOpsetImport(i, opset.toBuilder().setVersion(MIN_OPSET));
      }
    }
    if (builder.getIrVersion() < 7) {
      builder.setIrVersion(7);
    }
    return builder.build();
  }

  static QdqPlan plan(ModelProto model, QuantizeOptions options) {
    return new QdqPlan(
        model.getGraph(),
        options.floatStemLayers(),
        options.floatHeadConvs(),
        options.excludedNodes(),
        options.opTypes());
  }

  public static Result quantize(ModelProto original, Ranges ranges, QuantizeOptions options)
      throws QuantizeException {
    ModelProto model = raiseOpset(original);
    QdqPlan plan = plan(model, options);
    GraphProto graph = model.getGraph();
    Map<String, float[]> range = resolvedRanges(plan, ranges);

    List<TensorProto> newInitializers = new ArrayList<>();
    List<NodeProto> head = new ArrayList<>();
    Map<String, float[]> weightScales = new HashMap<>();
    Map<String, String> replaced = new HashMap<>();
    Set<String> consumedWeights = new HashSet<>();
    int weights = 0;

    // Activation parameters.
    Map<String, float[]> activationParams = new HashMap<>();
    for (String tensor : plan.activations) {
      float[] r = range.get(tensor);
      float[] p = uint8Params(r[0], r[1]);
      activationParams.put(tensor, p);
      newInitializers.add(Tensors.floatVector(tensor + "_scale", new float[] {p[0]}, true));
      newInitializers.add(Tensors.uint8Scalar(tensor + "_zero_point", (int) p[1]));
    }

    List<NodeProto> body = new ArrayList<>();
    for (String input : plan.activations) {
      if (!plan.producers.containsKey(input)) {
        body.addAll(qdqPair(input));
      }
    }
    for (int i = 0; i < graph.getNodeCount(); i++) {
      NodeProto node = graph.getNode(i);
      NodeProto.Builder rewired = node.toBuilder();
      for (int k = 0; k < node.getInputCount(); k++) {
        String input = node.getInput(k);
        if (plan.activations.contains(input)) {
          rewired.setInput(k, input + SUFFIX_DQ);
        }
      }
      if (plan.quantizedNodes.contains(i) && QdqPlan.WEIGHTED.contains(node.getOpType())) {
        String weight = node.getInput(1);
        int axis = node.getOpType().equals("Conv") ? 0 : 1;
        if (!replaced.containsKey(weight)) {
          TensorProto w = plan.initializers.get(weight);
          float[] scales = quantizeWeight(w, axis, newInitializers);
          weightScales.put(weight, scales);
          head.add(
              dequantize(
                  weight + SUFFIX_Q,
                  weight + "_scale",
                  weight + "_zero_point",
                  weight + SUFFIX_DQ,
                  axis));
          replaced.put(weight, weight + SUFFIX_DQ);
          weights++;
        }
        consumedWeights.add(weight);
        rewired.setInput(1, replaced.get(weight));
        if (node.getInputCount() > 2 && !node.getInput(2).isEmpty()) {
          String bias = node.getInput(2);
          String unique = bias + "_" + i;
          float inputScale = activationParams.get(node.getInput(0))[0];
          quantizeBias(
              plan.initializers.get(bias),
              unique,
              inputScale,
              weightScales.get(weight),
              newInitializers);
          head.add(
              dequantize(
                  unique + SUFFIX_Q,
                  unique + "_scale",
                  unique + "_zero_point",
                  unique + SUFFIX_DQ,
                  0));
          consumedWeights.add(bias);
          rewired.setInput(2, unique + SUFFIX_DQ);
        }
      }
      body.add(rewired.build());
      for (String output : node.getOutputList()) {
        if (plan.activations.contains(output)) {
          body.addAll(qdqPair(output));
        }
      }
    }

    // Drop float initializers that only quantized layers used.
    Set<String> stillUsed = new HashSet<>();
    for (NodeProto node : body) {
      stillUsed.addAll(node.getInputList());
    }
    for (NodeProto node : head) {
      stillUsed.addAll(node.getInputList());
    }
    graph.getOutputList().forEach(o -> stillUsed.add(o.getName()));
    GraphProto.Builder out =
        graph.toBuilder().clearNode().addAllNode(head).addAllNode(body).clearInitializer();
    for (TensorProto t : graph.getInitializerList()) {
      if (!consumedWeights.contains(t.getName()) || stillUsed.contains(t.getName())) {
        out.addInitializer(t);
      }
    }
    out.addAllInitializer(newInitializers);
    List<String> floatOps = new ArrayList<>();
    for (int i = 0; i < graph.getNodeCount(); i++) {
      if (!plan.quantizedNodes.contains(i)) {
        floatOps.add(graph.getNode(i).getOpType() + " " + graph.getNode(i).getName());
      }
    }
    Summary summary =
        new Summary(
            plan.quantizedNodes.size(),
            graph.getNodeCount() - plan.quantizedNodes.size(),
            plan.activations.size(),
            weights,
            floatOps);
    return new Result(model.toBuilder().setGraph(out).build(), summary);
  }

  /**
   * Every planned activation's range; pass-through operators take their input's, so ORT can drop
   * their Q/DQ.
   */
  private static Map<String, float[]> resolvedRanges(QdqPlan plan, Ranges ranges)
      throws QuantizeException {
    Map<String, float[]> resolved = new HashMap<>();
    for (String tensor : plan.activations) {
      float[] r = ranges.get(tensor);
      if (r == null) {
        throw new QuantizeException(
            "no calibrated range for activation "
                + tensor
                + " (the ranges were made for another model or other options)");
      }
      resolved.put(tensor, r);
    }
    for (int i : plan.quantizedNodes) {
      NodeProto node = plan.graph.getNode(i);
      if (QdqPlan.PASS_THROUGH.contains(node.getOpType())
          && resolved.containsKey(node.getOutput(0))) {
        resolved.put(node.getOutput(0), resolved.get(node.getInput(0)));
      }
    }
    return resolved;
  }

  /** {scale, zero point} of an asymmetric uint8 range that always holds zero exactly. */
  static float[] uint8Params(float min, float max) {
    float lo = Math.min(0f, min);
    float hi = Math.max(0f, max);
    if (!(hi > lo) || !Float.isFinite(lo) || !Float.isFinite(hi)) {
      return new float[] {1f, 0f};
    }
    float scale = (hi - lo) / 255f;
    int zero = Math.round(-lo / scale);
    return new float[] {scale, Math.max(0, Math.min(255, zero))};
  }

  private static List<NodeProto> qdqPair(String tensor) {
    NodeProto q =
        NodeProto.newBuilder()
            .setOpType("QuantizeLinear")
            .setName(tensor + "_QuantizeLinear")
            .addInput(tensor)
            .addInput(tensor + "_scale")
            .addInput(tensor + "_zero_point")
            .addOutput(tensor + SUFFIX_Q)
            .build();
    NodeProto dq =
        NodeProto.newBuilder()
            .setOpType("DequantizeLinear")
            .setName(tensor + "_DequantizeLinear")
            .addInput(tensor + SUFFIX_Q)
            .addInput(tensor + "_scale")
            .addInput(tensor + "_zero_point")
            .addOutput(tensor + SUFFIX_DQ)
            .build();
    return List.of(q, dq);
  }

  private static NodeProto dequantize(
      String input, String scale, String zero, String output, int axis) {
    return NodeProto.newBuilder()
        .setOpType("DequantizeLinear")
        .setName(output + "_DequantizeLinear")
        .addInput(input)
        .addInput(scale)
        .addInput(zero)
        .addOutput(output)
        .addAttribute(
            AttributeProto.newBuilder()
                .setName("axis")
                .setType(AttributeProto.AttributeType.INT)
                .setI(axis))
        .build();
  }

  /**
   * Symmetric int8, one scale per output channel (Conv: axis 0, MatMul's [K, N]: axis 1), in [-127,
   * 127].
   */
  static float[] quantizeWeight(TensorProto w, int axis, List<TensorProto> into)
      throws QuantizeException {
    float[] values = Tensors.floats(w);
    int channels = (int) w.getDims(axis);
    int inner = 1;
    for (int d = axis + 1; d < w.getDimsCount(); d++) {
      inner *= (int) w.getDims(d);
    }
    float[] maxAbs = new float[channels];
    for (int i = 0; i < values.length; i++) {
      int c = (i / inner) % channels;
      maxAbs[c] = Math.max(maxAbs[c], Math.abs(values[i]));
    }
    float[] scales = new float[channels];
    for (int c = 0; c < channels; c++) {
      scales[c] = maxAbs[c] > 0 ? maxAbs[c] / 127f : 1f;
    }
    byte[] q = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      int c = (i / inner) % channels;
      q[i] = (byte) Math.max(-127, Math.min(127, Math.round(values[i] / scales[c])));
    }
    String name = w.getName();
    into.add(Tensors.int8(name + SUFFIX_Q, w.getDimsList(), q));
    into.add(Tensors.floatVector(name + "_scale", scales, false));
    into.add(Tensors.int8Zeros(name + "_zero_point", channels, false));
    return scales;
  }

  private static void quantizeBias(
      TensorProto bias, String name, float inputScale, float[] weightScales, List<TensorProto> into)
      throws QuantizeException {
    float[] values = Tensors.floats(bias);
    if (values.length != weightScales.length) {
      throw new QuantizeException(
          "bias "
              + bias.getName()
              + " has "
              + values.length
              + " values for "
              + weightScales.length
              + " output channels");
    }
    float[] scales = new float[values.length];
    int[] q = new int[values.length];
    for (int c = 0; c < values.length; c++) {
      scales[c] = inputScale * weightScales[c];
      double v = Math.rint(values[c] / (double) scales[c]);
      q[c] = (int) Math.max(Integer.MIN_VALUE + 1L, Math.min(Integer.MAX_VALUE, v));
    }
    into.add(Tensors.int32(name + SUFFIX_Q, bias.getDimsList(), q));
    into.add(Tensors.floatVector(name + "_scale", scales, false));
    into.add(Tensors.int32Zeros(name + "_zero_point", values.length));
  }
}
