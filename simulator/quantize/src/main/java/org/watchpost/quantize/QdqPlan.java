// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.watchpost.quantize.onnx.Onnx.GraphProto;
import org.watchpost.quantize.onnx.Onnx.NodeProto;
import org.watchpost.quantize.onnx.Onnx.TensorProto;
import org.watchpost.quantize.onnx.Onnx.ValueInfoProto;

/**
 * Which nodes of a graph run in INT8 and which activations need a range. The choice follows what
 * ONNX Runtime fuses into integer kernels (DQ → op → Q becomes QLinearConv, QLinearMul,
 * QLinearSigmoid, QLinearAdd, QLinearConcat; MaxPool and Resize drop their Q/DQ when in and out
 * share one scale); everything between the last weighted layers and the graph outputs (the
 * detection head's decode: sigmoids, concatenations, reshapes) stays float, where 8 bits would cost
 * accuracy for no speed.
 */
final class QdqPlan {
  /**
   * Operators quantized when their inputs are activations (and, for Conv/MatMul, their weights
   * initializers).
   */
  static final Set<String> QUANTIZABLE =
      Set.of("Conv", "MatMul", "Mul", "Sigmoid", "Add", "Concat", "MaxPool", "Resize");

  /** Operators whose output range is their input's: they move values, never make new ones. */
  static final Set<String> PASS_THROUGH = Set.of("MaxPool", "Resize");

  static final Set<String> WEIGHTED = Set.of("Conv", "MatMul");

  final GraphProto graph;
  final Map<String, TensorProto> initializers = new HashMap<>();
  final Set<String> constants = new HashSet<>();
  final Map<String, NodeProto> producers = new HashMap<>();
  final Set<Integer> quantizedNodes = new LinkedHashSet<>();
  final Set<Integer> floatNodes = new LinkedHashSet<>();

  /** Activations that get a Q/DQ pair, in graph order. */
  final Set<String> activations = new LinkedHashSet<>();

  final Set<String> graphOutputs = new HashSet<>();

  QdqPlan(
      GraphProto graph,
      int floatStemLayers,
      boolean floatHeadConvs,
      Set<String> excluded,
      Set<String> opTypes) {
    this.graph = graph;
    graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
    graph.getOutputList().forEach(o -> graphOutputs.add(o.getName()));
    for (NodeProto node : graph.getNodeList()) {
      for (String output : node.getOutputList()) {
        producers.put(output, node);
      }
      if (node.getOpType().equals("Constant")) {
        constants.addAll(node.getOutputList());
      }
    }
    markFloatTail(floatHeadConvs);
    markFloatStem(floatStemLayers);
    Set<String> nonFloat = nonFloatGraphInputs();
    for (int i = 0; i < graph.getNodeCount(); i++) {
      NodeProto node = graph.getNode(i);
      if (floatNodes.contains(i)
          || excluded.contains(node.getName())
          || !opTypes.contains(node.getOpType())
          || !node.getDomain().isEmpty()) {
        continue;
      }
      List<String> inputs = activationInputs(node);
      if (inputs == null
          || inputs.stream().anyMatch(nonFloat::contains)
          || node.getOutputCount() != 1) {
        continue;
      }
      quantizedNodes.add(i);
      activations.addAll(inputs);
      if (!graphOutputs.contains(node.getOutput(0))) {
        activations.add(node.getOutput(0));
      }
    }
  }

  /** The inputs to quantize as activations, or null when the node cannot be quantized. */
  List<String> activationInputs(NodeProto node) {
    switch (node.getOpType()) {
      case "Conv":
      case "MatMul":
        {
          if (node.getInputCount() < 2
              || isConstant(node.getInput(0))
              || !isFloatInitializer(node.getInput(1))) {
            return null;
          }
          if (node.getInputCount() > 2
              && !node.getInput(2).isEmpty()
              && !isFloatInitializer(node.getInput(2))) {
            return null;
          }
          if (node.getOpType().equals("MatMul")
              && initializers.get(node.getInput(1)).getDimsCount() != 2) {
            return null;
          }
          return List.of(node.getInput(0));
        }
      case "Resize":
      case "MaxPool":
        if (isConstant(node.getInput(0))
            || (node.getOpType().equals("MaxPool") && node.getOutputCount() != 1)) {
          return null;
        }
        return List.of(node.getInput(0));
      default:
        for (String input : node.getInputList()) {
          if (input.isEmpty() || isConstant(input)) {
            return null;
          }
        }
        return node.getInputList();
    }
  }

  boolean isConstant(String name) {
    return initializers.containsKey(name) || constants.contains(name);
  }

  private boolean isFloatInitializer(String name) {
    TensorProto t = initializers.get(name);
    return t != null && Tensors.isFloat(t);
  }

  private Set<String> nonFloatGraphInputs() {
    Set<String> names = new HashSet<>();
    for (ValueInfoProto input : graph.getInputList()) {
      if (input.getType().hasTensorType()
          && input.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
        names.add(input.getName());
      }
    }
    for (ValueInfoProto info : graph.getValueInfoList()) {
      if (info.getType().hasTensorType()
          && info.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
        names.add(info.getName());
      }
    }
    return names;
  }

  /** The nodes before the ({@code layers} + 1)-th weighted layer, in graph (topological) order. */
  private void markFloatStem(int layers) {
    int weighted = 0;
    for (int i = 0; i < graph.getNodeCount(); i++) {
      if (WEIGHTED.contains(graph.getNode(i).getOpType()) && weighted++ == layers) {
        return;
      }
      floatNodes.add(i);
    }
  }

  /** Walks back from the graph outputs until the last weighted layers: that tail stays float. */
  private void markFloatTail(boolean floatHeadConvs) {
    Map<NodeProto, Integer> index = new HashMap<>();
    for (int i = 0; i < graph.getNodeCount(); i++) {
      index.put(graph.getNode(i), i);
    }
    Deque<String> pending = new ArrayDeque<>(graphOutputs);
    Set<String> seen = new HashSet<>();
    while (!pending.isEmpty()) {
      String tensor = pending.pop();
      if (!seen.add(tensor)) {
        continue;
      }
      NodeProto producer = producers.get(tensor);
      if (producer == null) {
        continue;
      }
      if (WEIGHTED.contains(producer.getOpType())) {
        if (floatHeadConvs) {
          floatNodes.add(index.get(producer));
        }
        continue;
      }
      floatNodes.add(index.get(producer));
      pending.addAll(producer.getInputList());
    }
  }

  Set<Integer> quantizedNodes() {
    return Collections.unmodifiableSet(quantizedNodes);
  }
}
