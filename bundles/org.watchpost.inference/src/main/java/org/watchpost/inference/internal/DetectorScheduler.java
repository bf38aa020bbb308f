// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Shares the one detector session among the cameras fairly. At most {@code slots} inferences run at
 * once; when one ends, the next turn goes to the waiting camera that has received the least
 * detector time (start-time fair queuing on the time each camera's runs took, as Linux's CFS does
 * with CPU time), so a camera that asks for many regions per frame, or a slow one, cannot crowd out
 * the others, and when the detector cannot keep up every camera's rate falls by the same share. A
 * camera that was idle starts level with the least-served waiting camera, not with credit it saved
 * while idle.
 *
 * <p>Each camera has at most one request waiting at a time (its own pipeline thread), so the queue
 * is bounded by the number of cameras; cameras not seen for {@link #FORGET_AFTER_NANOS} are
 * forgotten.
 */
final class DetectorScheduler {
  /**
   * A camera not served for this long is dropped from the accounts (the device may lose a camera
   * for good).
   */
  static final long FORGET_AFTER_NANOS = 600_000_000_000L;

  /** Window of the per-camera run rate. */
  static final long RATE_WINDOW_NANOS = 10_000_000_000L;

  /** Most run times kept per camera for its rate: 10 s at 30 runs per second. */
  static final int RATE_RUNS = 300;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final int slots;
  private int running;
  private final Map<String, Account> accounts = new HashMap<>();
  private final List<Waiter> waiting = new ArrayList<>();
  private final Clock clock;

  interface Clock {
    long nanoTime();
  }

  private static final class Account {
    long servedNanos;
    long lastSeen;
    long runs;
    final Deque<Long> recent = new ArrayDeque<>();
  }

  private static final class Waiter {
    final String camera;
    final long since;
    boolean granted;

    Waiter(String camera, long since) {
      this.camera = camera;
      this.since = since;
    }
  }

  /** A granted inference; close it when done, with the time the run took. */
  final class Turn implements AutoCloseable {
    private final String camera;
    private final long started;
    private boolean closed;

    private Turn(String camera, long started) {
      this.camera = camera;
      this.started = started;
    }

    @Override
    public void close() {
      lock.lock();
      try {
        if (closed) {
          return;
        }
        closed = true;
        long now = clock.nanoTime();
        Account account = accounts.computeIfAbsent(camera, k -> new Account());
        account.servedNanos += Math.max(1, now - started);
        account.lastSeen = now;
        account.runs++;
        account.recent.addLast(now);
        while (account.recent.size() > RATE_RUNS
            || now - account.recent.peekFirst() > RATE_WINDOW_NANOS) {
          account.recent.removeFirst();
        }
        running--;
        grant();
      } finally {
        lock.unlock();
      }
    }
  }

  DetectorScheduler(int slots) {
    this(slots, System::nanoTime);
  }

  DetectorScheduler(int slots, Clock clock) {
    if (slots < 1) {
      throw new IllegalArgumentException("slots must be at least 1, was " + slots);
    }
    this.slots = slots;
    this.clock = clock;
  }

  /** Waits for this camera's turn. */
  Turn acquire(String camera) throws InterruptedException {
    lock.lock();
    try {
      long now = clock.nanoTime();
      Account account = accounts.get(camera);
      if (account == null || now - account.lastSeen > RATE_WINDOW_NANOS) {
        // A newcomer (or one back from idle) starts level with the least-served of the others.
        long floor =
            accounts.values().stream()
                .filter(a -> a != account)
                .mapToLong(a -> a.servedNanos)
                .min()
                .orElse(0);
        Account fresh = account != null ? account : new Account();
        fresh.servedNanos = Math.max(fresh.servedNanos, floor);
        accounts.put(camera, fresh);
      }
      accounts.get(camera).lastSeen = now;
      forgetIdle(now);
      Waiter me = new Waiter(camera, now);
      waiting.add(me);
      grant();
      try {
        while (!me.granted) {
          changed.await();
        }
      } catch (InterruptedException e) {
        if (me.granted) {
          running--;
          grant();
        } else {
          waiting.remove(me);
        }
        throw e;
      }
      return new Turn(camera, clock.nanoTime());
    } finally {
      lock.unlock();
    }
  }

  /** Hands free slots to the least-served waiting cameras; called with the lock held. */
  private void grant() {
    boolean any = false;
    while (running < slots && !waiting.isEmpty()) {
      Waiter next = null;
      for (Waiter w : waiting) {
        if (next == null
            || served(w) < served(next)
            || (served(w) == served(next) && w.since < next.since)) {
          next = w;
        }
      }
      waiting.remove(next);
      next.granted = true;
      running++;
      any = true;
    }
    if (any) {
      changed.signalAll();
    }
  }

  private long served(Waiter w) {
    Account a = accounts.get(w.camera);
    return a == null ? 0 : a.servedNanos;
  }

  private void forgetIdle(long now) {
    Iterator<Map.Entry<String, Account>> it = accounts.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Account> e = it.next();
      if (now - e.getValue().lastSeen > FORGET_AFTER_NANOS
          && waiting.stream().noneMatch(w -> w.camera.equals(e.getKey()))) {
        it.remove();
      }
    }
  }

  /**
   * Detector runs per second of each camera over the last {@link #RATE_WINDOW_NANOS}, by camera.
   */
  Map<String, Double> runsPerSecond() {
    lock.lock();
    try {
      long now = clock.nanoTime();
      Map<String, Double> rates = new LinkedHashMap<>();
      accounts.entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(
              e -> {
                long inWindow =
                    e.getValue().recent.stream().filter(t -> now - t <= RATE_WINDOW_NANOS).count();
                rates.put(e.getKey(), Math.round(inWindow * 1e9 / RATE_WINDOW_NANOS * 100) / 100.0);
              });
      return rates;
    } finally {
      lock.unlock();
    }
  }

  /** Detector runs of each camera since it was first seen. */
  Map<String, Long> runs() {
    lock.lock();
    try {
      Map<String, Long> runs = new LinkedHashMap<>();
      accounts.entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> runs.put(e.getKey(), e.getValue().runs));
      return runs;
    } finally {
      lock.unlock();
    }
  }

  int slots() {
    return slots;
  }
}
