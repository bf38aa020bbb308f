// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.tools;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.frame.Frame;
import org.watchpost.inference.internal.BareOnnxRuntime;
import org.watchpost.inference.internal.VerifiedModel;

/**
 * ONNX Runtime's own {@code session.run} on ready inputs, with the detector's session options: no
 * DJL, no pre- or post-processing. ONNX Runtime's types stay inside the bundle; an {@link Input} is
 * an opaque prepared tensor.
 */
public final class BareRuntime implements AutoCloseable {
  private final BareOnnxRuntime runtime;

  private BareRuntime(BareOnnxRuntime runtime) {
    this.runtime = runtime;
  }

  static BareRuntime open(VerifiedModel model, int threads) throws ModelLoadException {
    try {
      return new BareRuntime(new BareOnnxRuntime(model, threads));
    } catch (OrtException e) {
      throw new ModelLoadException(
          "ONNX Runtime could not open " + model.modelFile() + ": " + e.getMessage(), e);
    }
  }

  /** A frame made into the model's input, once, outside any timing. */
  public Input input(Frame frame) {
    try {
      return new Input(runtime.tensorOf(frame));
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime could not make a tensor: " + e.getMessage(), e);
    }
  }

  /** Runs the model once on a prepared input; returns how long {@code session.run} took. */
  public long runNanos(Input input) {
    try {
      return runtime.runNanos(input.tensor);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime run failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      runtime.close();
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime could not close: " + e.getMessage(), e);
    }
  }

  /** A prepared model input. */
  public static final class Input implements AutoCloseable {
    private final OnnxTensor tensor;

    private Input(OnnxTensor tensor) {
      this.tensor = tensor;
    }

    @Override
    public void close() {
      tensor.close();
    }
  }
}
