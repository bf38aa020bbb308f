// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.imgcodecs.Imgcodecs;
import org.watchpost.api.frame.Frame;

/**
 * Frames a candidate model is validated on: decoded images as the pipeline would hand them over
 * (BGR).
 */
final class ValidationFrames {
  private static final long MAX_IMAGE_BYTES = 16L << 20;
  private static final int MAX_STORED = 8;

  private ValidationFrames() {}

  /** Decodes an image file into a frame, or explains why it cannot. */
  static Frame load(Path image, long sequence) throws IOException {
    org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
    if (!Files.isRegularFile(image) || Files.size(image) > MAX_IMAGE_BYTES) {
      throw new IOException(
          "frame " + image + " is missing or larger than " + MAX_IMAGE_BYTES + " bytes");
    }
    Mat mat = Imgcodecs.imread(image.toString(), Imgcodecs.IMREAD_COLOR);
    try {
      if (mat.empty() || mat.type() != CvType.CV_8UC3) {
        throw new IOException("frame " + image + " is not an image OpenCV can decode");
      }
      byte[] pixels = new byte[(int) (mat.total() * mat.channels())];
      mat.get(0, 0, pixels);
      ByteBuffer direct = ByteBuffer.allocateDirect(pixels.length);
      direct.put(pixels).flip();
      return new Frame(
          "validation",
          sequence,
          System.currentTimeMillis(),
          0,
          0,
          mat.cols(),
          mat.rows(),
          direct,
          null);
    } finally {
      mat.release();
    }
  }

  /** The device's own stored frames (JPEG or PNG), a few. */
  static List<Frame> stored(Path directory) throws IOException {
    List<Frame> frames = new ArrayList<>();
    if (directory == null || !Files.isDirectory(directory)) {
      return frames;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.{jpg,jpeg,png}")) {
      for (Path f : files) {
        if (frames.size() >= MAX_STORED) {
          break;
        }
        frames.add(load(f, frames.size()));
      }
    }
    return frames;
  }

  /**
   * A fixed pseudo-random frame, when there is nothing better: it checks loading, shapes and
   * latency only.
   */
  static Frame noise(int width, int height) {
    byte[] pixels = new byte[width * height * 3];
    new Random(42).nextBytes(pixels);
    ByteBuffer direct = ByteBuffer.allocateDirect(pixels.length);
    direct.put(pixels).flip();
    return new Frame(
        "validation", 0, System.currentTimeMillis(), 0, 0, width, height, direct, null);
  }
}
