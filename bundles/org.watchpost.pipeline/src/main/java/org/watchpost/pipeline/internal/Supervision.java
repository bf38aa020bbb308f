// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import dev.failsafe.Execution;
import dev.failsafe.RetryPolicy;
import java.time.Duration;

/**
 * How a camera's pipeline is restarted after a failure: exponential backoff from {@code delay} up
 * to {@code maxDelay}, without end (a camera is never given up on), with jitter so that cameras
 * failing together do not restart together. A run that lasted {@code resetAfter} before it failed
 * starts the backoff afresh, so a rare fault does not inherit the long delay of an old bad spell.
 */
record Supervision(Duration delay, Duration maxDelay, Duration resetAfter) {
  static final Supervision DEFAULT =
      new Supervision(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMinutes(5));

  Supervision {
    if (delay.isNegative()
        || delay.isZero()
        || maxDelay.compareTo(delay) < 0
        || resetAfter.isNegative()) {
      throw new IllegalArgumentException(
          "restart delays must be > 0 with restart.max.delay.s >= restart.delay.s, was "
              + delay
              + ", "
              + maxDelay
              + ", reset after "
              + resetAfter);
    }
  }

  static Supervision ofSeconds(double delay, double maxDelay, double resetAfter) {
    return new Supervision(
        seconds(delay, "restart.delay.s"),
        seconds(maxDelay, "restart.max.delay.s"),
        seconds(resetAfter, "restart.reset.after.s"));
  }

  private static Duration seconds(double value, String name) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be a finite number >= 0, was " + value);
    }
    return Duration.ofNanos(Math.round(value * 1e9));
  }

  /**
   * A fresh run of restarts; each failure recorded on it gives the delay before the next restart.
   */
  Execution<Object> restarts() {
    var builder = RetryPolicy.builder().handle(Throwable.class).withMaxRetries(-1).withJitter(0.1);
    if (maxDelay.compareTo(delay) > 0) {
      builder.withBackoff(delay, maxDelay);
    } else {
      builder.withDelay(delay);
    }
    return Execution.of(builder.build());
  }
}
