// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfByte;
import org.opencv.core.MatOfInt;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.watchpost.analytics.internal.track.Box;
import org.watchpost.api.frame.Frame;

/** Small JPEG crops of objects for events, shrunk until they fit a byte limit. */
final class EventCrops {
  private static final int[] QUALITIES = {80, 60, 40};
  private static final int MAX_HALVINGS = 4;

  private EventCrops() {}

  /**
   * @return the JPEG bytes, or null if even the smallest version does not fit
   */
  static byte[] encode(Frame frame, Box box, int maxBytes) {
    float margin = 0.1f * Math.max(box.width(), box.height());
    int x1 = Math.max(0, (int) (box.x1() - margin));
    int y1 = Math.max(0, (int) (box.y1() - margin));
    int x2 = Math.min(frame.width(), (int) Math.ceil(box.x2() + margin));
    int y2 = Math.min(frame.height(), (int) Math.ceil(box.y2() + margin));
    if (x2 - x1 < 2 || y2 - y1 < 2) {
      return null;
    }
    Mat bgr = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
    Mat crop = bgr.submat(new Rect(x1, y1, x2 - x1, y2 - y1));
    Mat scaled = new Mat();
    MatOfByte jpeg = new MatOfByte();
    try {
      Mat image = crop;
      for (int halvings = 0; halvings <= MAX_HALVINGS; halvings++) {
        for (int quality : QUALITIES) {
          // The parameters are a Mat too: released here, not left to the finaliser (issue 19).
          MatOfInt parameters = new MatOfInt(Imgcodecs.IMWRITE_JPEG_QUALITY, quality);
          try {
            Imgcodecs.imencode(".jpg", image, jpeg, parameters);
          } finally {
            parameters.release();
          }
          if (jpeg.total() <= maxBytes) {
            return jpeg.toArray();
          }
        }
        double factor = 1.0 / (2 << halvings);
        if (crop.cols() * factor < 8 || crop.rows() * factor < 8) {
          break;
        }
        Imgproc.resize(
            crop,
            scaled,
            new Size(Math.round(crop.cols() * factor), Math.round(crop.rows() * factor)),
            0,
            0,
            Imgproc.INTER_AREA);
        image = scaled;
      }
      return null;
    } finally {
      jpeg.release();
      scaled.release();
      crop.release();
      bgr.release();
    }
  }
}
