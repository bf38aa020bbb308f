// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Reuses direct frame buffers: allocating a direct buffer per frame costs time and leaves native
 * memory to a lazy collector. Thread-safe: a deferred frame's colour pixels are decoded on the
 * consumer's thread.
 */
final class FramePool {
  private final ArrayBlockingQueue<ByteBuffer> free;

  FramePool(int capacity) {
    free = new ArrayBlockingQueue<>(capacity);
  }

  ByteBuffer acquire(int bytes) {
    ByteBuffer buffer;
    while ((buffer = free.poll()) != null) {
      if (buffer.capacity() == bytes) {
        return buffer.clear();
      }
    }
    return ByteBuffer.allocateDirect(bytes);
  }

  /**
   * A buffer of at least this many bytes, its limit set to them: for compressed frames, whose size
   * varies from frame to frame; new buffers are rounded up to a power of two so that most frames
   * fit a pooled one.
   */
  ByteBuffer acquireAtLeast(int bytes) {
    ByteBuffer buffer;
    while ((buffer = free.poll()) != null) {
      if (buffer.capacity() >= bytes) {
        return buffer.clear().limit(bytes);
      }
    }
    int capacity = Integer.highestOneBit(Math.max(1, bytes - 1)) << 1;
    return ByteBuffer.allocateDirect(capacity > 0 ? capacity : bytes).limit(bytes);
  }

  void release(ByteBuffer buffer) {
    free.offer(buffer);
  }
}
