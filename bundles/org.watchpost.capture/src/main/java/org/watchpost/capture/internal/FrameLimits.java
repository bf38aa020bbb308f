// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.io.IOException;
import java.util.Locale;

/**
 * The largest frame a source may deliver. A stream header is input from the network: a camera (or
 * whoever answers in its place) that claims 16384x16384 would otherwise make each pooled buffer 805
 * MB.
 */
record FrameLimits(int maxWidth, int maxHeight, long maxPixels) {

  static FrameLimits of(CaptureConfig config) {
    return new FrameLimits(
        config.max_frame_width(), config.max_frame_height(), config.max_frame_pixels());
  }

  /**
   * @throws FrameTooLargeException when the size is not positive or beyond a limit
   */
  void check(int width, int height, String source) throws FrameTooLargeException {
    if (width <= 0 || height <= 0) {
      throw new FrameTooLargeException(
          String.format(
              Locale.ROOT, "%s: refused, it reports a frame size of %dx%d", source, width, height));
    }
    if (width > maxWidth || height > maxHeight || (long) width * height > maxPixels) {
      throw new FrameTooLargeException(
          String.format(
              Locale.ROOT,
              "%s: refused, its frames of %dx%d (%.1f Mpixel) exceed the limit of %dx%d and %.1f Mpixel "
                  + "(org.watchpost.capture max.frame.width, max.frame.height, max.frame.pixels)",
              source,
              width,
              height,
              (double) width * height / 1e6,
              maxWidth,
              maxHeight,
              maxPixels / 1e6));
    }
  }

  /** A source refused for its frame size; it is reopened with backoff like any other failure. */
  static final class FrameTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    FrameTooLargeException(String message) {
      super(message);
    }
  }
}
