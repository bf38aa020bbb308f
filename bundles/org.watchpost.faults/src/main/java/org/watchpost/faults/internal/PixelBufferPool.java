// SPDX-License-Identifier: Apache-2.0
package org.watchpost.faults.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Reuses the direct buffers of spoiled frames: a consumer holds at most a few frames at once, and a
 * direct buffer per frame would leave native memory to a lazy collector.
 */
public final class PixelBufferPool {
  private final ArrayBlockingQueue<ByteBuffer> free;

  public PixelBufferPool(int capacity) {
    free = new ArrayBlockingQueue<>(capacity);
  }

  public ByteBuffer acquire(int bytes) {
    ByteBuffer buffer;
    while ((buffer = free.poll()) != null) {
      if (buffer.capacity() == bytes) {
        return buffer.clear();
      }
    }
    return ByteBuffer.allocateDirect(bytes);
  }

  public void release(ByteBuffer buffer) {
    free.offer(buffer);
  }
}
