// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * DJL translator for YOLOX: OpenCV letterbox into a direct tensor on the way in, decode and NMS on
 * the way out.
 */
final class YoloxTranslator implements NoBatchifyTranslator<YoloxCall, YoloxCall> {
  private static final String CALL = "watchpost.call";

  private final YoloxDecoder decoder;
  private final Shape inputShape;
  private final boolean[] keep;
  private final DetectorSettings settings;

  YoloxTranslator(
      YoloxDecoder decoder, ModelManifest manifest, boolean[] keep, DetectorSettings settings) {
    this.decoder = decoder;
    this.inputShape = new Shape(1, 3, manifest.input().height(), manifest.input().width());
    this.keep = keep.clone();
    this.settings = settings;
  }

  @Override
  public NDList processInput(TranslatorContext ctx, YoloxCall call) {
    Letterbox letterbox = call.preprocessor.fill(call.image, call.offsetX, call.offsetY);
    ctx.setAttachment(CALL, call);
    ctx.setAttachment(Letterbox.class.getName(), letterbox);
    NDArray tensor = ctx.getNDManager().create(call.preprocessor.tensor(), inputShape);
    call.preprocessedNanos = System.nanoTime();
    return new NDList(tensor);
  }

  @Override
  public YoloxCall processOutput(TranslatorContext ctx, NDList list) {
    YoloxCall call = (YoloxCall) ctx.getAttachment(CALL);
    call.inferredNanos = System.nanoTime();
    Letterbox letterbox = (Letterbox) ctx.getAttachment(Letterbox.class.getName());
    // Decoded straight from ONNX Runtime's copy of the output, without a second copy into a
    // float[].
    NDArray raw = list.singletonOrThrow();
    FloatBuffer output = raw.toByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
    if (call.outputStats != null) {
      describe(raw.getShape().getShape(), output.duplicate(), call.outputStats);
    }
    call.detections =
        decoder.decode(
            output,
            letterbox,
            keep,
            settings.scoreThreshold(),
            settings.nmsThreshold(),
            settings.maxDetections(),
            call.frameWidth,
            call.frameHeight);
    call.decodedNanos = System.nanoTime();
    return call;
  }

  private void describe(long[] shape, FloatBuffer output, YoloxCall.OutputStats stats) {
    stats.shape = shape;
    int rowLength = decoder.rowLength();
    int rows = Math.min(decoder.rows(), output.remaining() / rowLength);
    stats.rows = rows;
    for (int i = 0; i < output.remaining(); i++) {
      if (!Float.isFinite(output.get(i))) {
        stats.nonFinite++;
      }
    }
    for (int row = 0; row < rows; row++) {
      int at = row * rowLength;
      for (int c = 4; c < rowLength; c++) {
        float score = output.get(at + c);
        if (score < 0 || score > 1) {
          stats.scoresOutOfRange++;
        }
      }
      if (output.get(at + 4) >= settings.scoreThreshold()) {
        stats.rowsOverThreshold++;
      }
    }
  }
}
