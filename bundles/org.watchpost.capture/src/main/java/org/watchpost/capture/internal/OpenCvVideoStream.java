// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.videoio.VideoCapture;
import org.opencv.videoio.Videoio;

/**
 * OpenCV's own readers: V4L2 cameras and Motion-JPEG AVI files. The org.openpnp.opencv natives are
 * built without FFmpeg, so anything else goes to {@link FfmpegVideoStream}.
 */
final class OpenCvVideoStream implements VideoStream {
  private final VideoCapture capture;
  private final StreamInfo info;
  private final String uri;
  private final FrameLimits limits;
  private final Mat scratch = new Mat();
  private int lastWidth;
  private int lastHeight;

  private OpenCvVideoStream(VideoCapture capture, StreamInfo info, String uri, FrameLimits limits) {
    this.capture = capture;
    this.limits = limits;
    this.info = info;
    this.uri = uri;
    this.lastWidth = info.width();
    this.lastHeight = info.height();
  }

  /** Opens a V4L2 device by index. */
  static OpenCvVideoStream openDevice(int index, String uri, FrameLimits limits)
      throws IOException {
    org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
    VideoCapture capture = new VideoCapture(index, Videoio.CAP_V4L2);
    if (!capture.isOpened()) {
      capture.release();
      throw new IOException("cannot open camera " + uri + " (V4L2 device " + index + ")");
    }
    return checked(capture, infoOf(capture, false, "opencv-v4l2"), uri, limits);
  }

  /**
   * Opens a Motion-JPEG AVI file with OpenCV's built-in reader.
   *
   * @return the stream, or null if the file is not Motion-JPEG in AVI (the caller then tries
   *     ffmpeg)
   */
  static OpenCvVideoStream openMjpegFile(String path, long startFrame, FrameLimits limits)
      throws IOException {
    org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
    VideoCapture capture = new VideoCapture(path, Videoio.CAP_OPENCV_MJPEG);
    if (!capture.isOpened()) {
      capture.release();
      return null;
    }
    if (startFrame > 0) {
      capture.set(Videoio.CAP_PROP_POS_FRAMES, startFrame);
    }
    return checked(capture, infoOf(capture, true, "opencv-mjpeg"), path, limits);
  }

  private static OpenCvVideoStream checked(
      VideoCapture capture, StreamInfo info, String uri, FrameLimits limits) throws IOException {
    try {
      limits.check(info.width(), info.height(), uri);
    } catch (IOException e) {
      capture.release();
      throw e;
    }
    return new OpenCvVideoStream(capture, info, uri, limits);
  }

  private static StreamInfo infoOf(VideoCapture capture, boolean finite, String backend) {
    int width = (int) capture.get(Videoio.CAP_PROP_FRAME_WIDTH);
    int height = (int) capture.get(Videoio.CAP_PROP_FRAME_HEIGHT);
    double fps = capture.get(Videoio.CAP_PROP_FPS);
    return new StreamInfo(
        width, height, Double.isFinite(fps) && fps > 0 ? fps : 0, finite, backend);
  }

  @Override
  public StreamInfo info() {
    return info;
  }

  @Override
  public ByteBuffer read(FramePool pool) throws IOException {
    if (!capture.read(scratch) || scratch.empty()) {
      if (info.finite()) {
        return null;
      }
      throw new IOException("camera " + uri + " stopped delivering frames");
    }
    if (scratch.type() != CvType.CV_8UC3) {
      throw new IOException(
          "camera "
              + uri
              + " delivered frames of type "
              + CvType.typeToString(scratch.type())
              + ", expected 8-bit BGR");
    }
    limits.check(scratch.cols(), scratch.rows(), uri);
    lastWidth = scratch.cols();
    lastHeight = scratch.rows();
    ByteBuffer buffer = pool.acquire(lastWidth * lastHeight * 3);
    Mat target = new Mat(lastHeight, lastWidth, CvType.CV_8UC3, buffer);
    try {
      scratch.copyTo(target);
    } finally {
      target.release();
    }
    return buffer;
  }

  @Override
  public int lastWidth() {
    return lastWidth;
  }

  @Override
  public int lastHeight() {
    return lastHeight;
  }

  @Override
  public void close() {
    capture.release();
    scratch.release();
  }
}
