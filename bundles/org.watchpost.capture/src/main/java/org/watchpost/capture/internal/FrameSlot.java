// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.watchpost.api.frame.Frame;

/**
 * The hand-off between a capture thread and its consumer: one waiting frame at most. In newest-wins
 * mode a new frame replaces (and releases) the waiting one; in every-frame mode the producer waits
 * for room.
 */
final class FrameSlot {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition filled = lock.newCondition();
  private final Condition emptied = lock.newCondition();
  private final boolean newestWins;
  private Frame waiting;
  private boolean ended;
  private long skipped;

  FrameSlot(boolean newestWins) {
    this.newestWins = newestWins;
  }

  /**
   * @return false if the slot was ended and the frame was released instead
   */
  boolean put(Frame frame) throws InterruptedException {
    lock.lockInterruptibly();
    try {
      if (!newestWins) {
        while (waiting != null && !ended) {
          emptied.await();
        }
      }
      if (ended) {
        frame.close();
        return false;
      }
      if (waiting != null) {
        waiting.close();
        skipped++;
      }
      waiting = frame;
      filled.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * @return the waiting frame, or null on timeout
   * @throws EndedException if the producer ended and nothing is waiting
   */
  Frame take(long timeout, TimeUnit unit) throws InterruptedException, EndedException {
    long remaining = unit.toNanos(timeout);
    lock.lockInterruptibly();
    try {
      while (waiting == null) {
        if (ended) {
          throw new EndedException();
        }
        if (remaining <= 0) {
          return null;
        }
        remaining = filled.awaitNanos(remaining);
      }
      Frame frame = waiting;
      waiting = null;
      emptied.signal();
      return frame;
    } finally {
      lock.unlock();
    }
  }

  /** No more frames will come; a waiting frame can still be taken. */
  void end() {
    lock.lock();
    try {
      ended = true;
      filled.signalAll();
      emptied.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Ends the slot and releases the waiting frame. */
  void drain() {
    lock.lock();
    try {
      ended = true;
      if (waiting != null) {
        waiting.close();
        waiting = null;
      }
      filled.signalAll();
      emptied.signalAll();
    } finally {
      lock.unlock();
    }
  }

  long skipped() {
    lock.lock();
    try {
      return skipped;
    } finally {
      lock.unlock();
    }
  }

  static final class EndedException extends Exception {
    private static final long serialVersionUID = 1L;
  }
}
