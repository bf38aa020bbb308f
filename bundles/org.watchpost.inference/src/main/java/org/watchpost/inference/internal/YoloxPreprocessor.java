// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Turns a BGR image into the model's input tensor: letterbox, colour order and planar float layout,
 * all in OpenCV native code, written straight into a direct buffer that ONNX Runtime reads without
 * a copy. One per predictor; not thread-safe.
 */
final class YoloxPreprocessor implements AutoCloseable {
  private final int width;
  private final int height;
  private final boolean swapToRgb;
  private final Scalar pad;
  private final ByteBuffer tensorBytes;
  private final Mat canvas;
  private final Mat[] bytePlanes = new Mat[3];
  private final Mat[] planes = new Mat[3];

  YoloxPreprocessor(ModelManifest.InputSpec input) {
    this.width = input.width();
    this.height = input.height();
    this.swapToRgb = "RGB".equals(input.channels());
    this.pad = Scalar.all(input.letterbox().pad());
    this.tensorBytes =
        ByteBuffer.allocateDirect(3 * width * height * Float.BYTES).order(ByteOrder.nativeOrder());
    this.canvas = new Mat(height, width, CvType.CV_8UC3, pad);
    int planeBytes = width * height * Float.BYTES;
    for (int c = 0; c < 3; c++) {
      ByteBuffer plane =
          tensorBytes.duplicate().position(c * planeBytes).limit((c + 1) * planeBytes).slice();
      planes[c] = new Mat(height, width, CvType.CV_32FC1, plane);
      bytePlanes[c] = new Mat(height, width, CvType.CV_8UC1);
    }
  }

  /**
   * Fills the tensor from {@code image} (the whole frame or a region of it, BGR 8-bit).
   *
   * @param offsetX where the image's left edge is in the whole frame
   * @param offsetY where the image's top edge is in the whole frame
   */
  Letterbox fill(Mat image, int offsetX, int offsetY) {
    Letterbox letterbox =
        Letterbox.fit(image.cols(), image.rows(), width, height, offsetX, offsetY);
    padOutside(letterbox);
    Mat target = canvas.submat(0, letterbox.scaledHeight(), 0, letterbox.scaledWidth());
    try {
      if (letterbox.scaledWidth() == image.cols() && letterbox.scaledHeight() == image.rows()) {
        image.copyTo(target);
      } else {
        // Bilinear, as the model's reference preprocessing does.
        Imgproc.resize(
            image,
            target,
            new Size(letterbox.scaledWidth(), letterbox.scaledHeight()),
            0,
            0,
            Imgproc.INTER_LINEAR);
      }
    } finally {
      target.release();
    }
    // Split the 8-bit image first and widen each plane straight into the tensor: far less memory
    // traffic
    // than widening the interleaved image and then splitting floats.
    for (int c = 0; c < 3; c++) {
      Core.extractChannel(canvas, bytePlanes[c], swapToRgb ? 2 - c : c);
      bytePlanes[c].convertTo(planes[c], CvType.CV_32F);
    }
    return letterbox;
  }

  /** Pads the part of the canvas the scaled image does not cover: below it, and right of it. */
  private void padOutside(Letterbox letterbox) {
    if (letterbox.scaledHeight() < height) {
      Mat below = canvas.submat(letterbox.scaledHeight(), height, 0, width);
      // setTo returns another header on the same pixels; it is released here like the submat (issue
      // 19).
      below.setTo(pad).release();
      below.release();
    }
    if (letterbox.scaledWidth() < width) {
      Mat right = canvas.submat(0, letterbox.scaledHeight(), letterbox.scaledWidth(), width);
      right.setTo(pad).release();
      right.release();
    }
  }

  /** The input tensor, planar CHW float32, native order. */
  FloatBuffer tensor() {
    return tensorBytes.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  ByteBuffer tensorBytes() {
    return tensorBytes.duplicate().order(ByteOrder.nativeOrder());
  }

  int width() {
    return width;
  }

  int height() {
    return height;
  }

  @Override
  public void close() {
    canvas.release();
    for (int c = 0; c < 3; c++) {
      planes[c].release();
      bytePlanes[c].release();
    }
  }
}
