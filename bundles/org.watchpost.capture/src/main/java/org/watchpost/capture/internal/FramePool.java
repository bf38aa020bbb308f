package org.watchpost.capture.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Reuses direct frame buffers: allocating a direct buffer per frame costs time and leaves native memory to a
 * lazy collector.
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

  void release(ByteBuffer buffer) {
    free.offer(buffer);
  }
}
