package org.watchpost.opcua.internal;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * Makes guessing passwords over the network impracticable (ETSI EN 303 645 provision 5.1-5): after too many
 * failed logins within a window, every login is refused without checking it until the window has passed. It
 * also bounds the CPU a stream of bad logins can take from the pipeline, as each check hashes.
 */
final class LoginThrottle {
  private final int maxFailures;
  private final long windowNanos;
  private final LongSupplier clock;
  private final ArrayDeque<Long> failures = new ArrayDeque<>();

  LoginThrottle(int maxFailures, long windowNanos, LongSupplier clock) {
    this.maxFailures = maxFailures;
    this.windowNanos = windowNanos;
    this.clock = clock;
  }

  /** Whether a login may be checked now. */
  synchronized boolean allowed() {
    long now = clock.getAsLong();
    while (!failures.isEmpty() && now - failures.peekFirst() > windowNanos) {
      failures.pollFirst();
    }
    return failures.size() < maxFailures;
  }

  synchronized void failed() {
    failures.addLast(clock.getAsLong());
    while (failures.size() > maxFailures) {
      failures.pollFirst();
    }
  }
}
