// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.watchpost.api.frame.Frame;

/**
 * The floor the detector is measured against: ONNX Runtime's own {@code session.run} on a ready
 * input tensor, with the same session options the detector uses, no DJL, no pre- or
 * post-processing.
 */
public final class BareOnnxRuntime implements AutoCloseable {
  private final OrtEnvironment environment;
  private final OrtSession session;
  private final String inputName;
  private final ModelManifest.InputSpec input;
  private final YoloxPreprocessor preprocessor;

  public BareOnnxRuntime(VerifiedModel model, int intraOpThreads) throws OrtException {
    org.watchpost.api.natives.NativeLibraries.prepareOnnxRuntime(OrtEnvironment.class);
    this.environment = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      this.session = environment.createSession(model.modelFile().toString(), options);
    }
    this.input = model.manifest().input();
    this.inputName = model.manifest().input().name();
    this.preprocessor = new YoloxPreprocessor(input);
  }

  /** The model input for a frame, prepared once, outside any timing. */
  public OnnxTensor tensorOf(Frame frame) throws OrtException {
    Mat image = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
    try {
      preprocessor.fill(image, 0, 0);
    } finally {
      image.release();
    }
    ByteBuffer copy =
        ByteBuffer.allocateDirect(preprocessor.tensorBytes().capacity())
            .order(ByteOrder.nativeOrder());
    copy.put(preprocessor.tensorBytes()).flip();
    return OnnxTensor.createTensor(
        environment, copy.asFloatBuffer(), new long[] {1, 3, input.height(), input.width()});
  }

  /** Runs the model once; returns the time {@code session.run} took. */
  public long runNanos(OnnxTensor tensor) throws OrtException {
    long started = System.nanoTime();
    try (OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
      return System.nanoTime() - started;
    }
  }

  @Override
  public void close() throws OrtException {
    preprocessor.close();
    session.close();
  }
}
