// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** One open connection to a source; a lost connection is replaced by a new stream. */
interface VideoStream extends Closeable {

  StreamInfo info();

  /**
   * Reads the next frame as BGR24.
   *
   * @param pool where to take a buffer from
   * @return the filled buffer (of {@code info().frameBytes()} bytes, or of a new size when the
   *     stream changed size: the caller checks the capacity), or null when the stream ended cleanly
   * @throws IOException when the stream failed
   */
  ByteBuffer read(FramePool pool) throws IOException;

  /**
   * Whether this stream delivers frames deferred, through {@link #readDeferred}, instead of {@link
   * #read}.
   */
  default boolean defers() {
    return false;
  }

  /**
   * Reads the next frame with its grey image made and its colour pixels left to decode on demand.
   *
   * @return the picture, or null when the stream ended cleanly
   * @throws IOException when the stream failed
   */
  default DeferredPicture readDeferred() throws IOException {
    throw new UnsupportedOperationException("this stream decodes every frame to colour");
  }

  /**
   * Size of the last frame returned, which may differ from {@link #info()} if the stream changed
   * size.
   */
  default int lastWidth() {
    return info().width();
  }

  default int lastHeight() {
    return info().height();
  }

  /**
   * Called from another thread to unblock a pending {@link #read}; the reading thread then closes
   * the stream. A reader that cannot be interrupted safely (OpenCV) does nothing and returns at its
   * next frame.
   */
  default void abort() {}

  @Override
  void close();
}
