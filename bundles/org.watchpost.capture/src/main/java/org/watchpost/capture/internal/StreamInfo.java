// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

/**
 * What an opened stream delivers.
 *
 * @param width frame width in pixels
 * @param height frame height in pixels
 * @param fps nominal frame rate, 0 when the stream does not say
 * @param finite true for a file, false for a camera or network stream
 * @param backend which reader is used, for logs and status
 * @param codec the stream's codec as ffprobe names it ("h264", "mjpeg"), empty when unknown
 */
record StreamInfo(int width, int height, double fps, boolean finite, String backend, String codec) {
  StreamInfo(int width, int height, double fps, boolean finite, String backend) {
    this(width, height, fps, finite, backend, "");
  }

  int frameBytes() {
    return width * height * 3;
  }
}
