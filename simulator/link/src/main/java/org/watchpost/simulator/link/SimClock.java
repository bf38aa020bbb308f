// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.link;

/**
 * Scenario time: starts at 0 and runs {@code speed} times faster than the wall clock. Everything a
 * scenario schedules (outages, fault windows, budgets per second) is written in scenario seconds;
 * whatever acts on the wall clock converts through one of these.
 */
public final class SimClock {
  private final double speed;
  private final long startNanos;

  public SimClock(double speed) {
    this(speed, System.nanoTime());
  }

  SimClock(double speed, long startNanos) {
    if (!(speed > 0) || speed > 10_000) {
      throw new IllegalArgumentException("speed must be within (0, 10000], was " + speed);
    }
    this.speed = speed;
    this.startNanos = startNanos;
  }

  public double speed() {
    return speed;
  }

  /** Scenario seconds since the start. */
  public double seconds() {
    return secondsAt(System.nanoTime());
  }

  /** Scenario seconds at a {@link System#nanoTime()} reading. */
  public double secondsAt(long nanoTime) {
    return (nanoTime - startNanos) / 1e9 * speed;
  }

  /** The wall-clock length of a span of scenario seconds, in nanoseconds. */
  public long wallNanos(double scenarioSeconds) {
    return Math.round(scenarioSeconds / speed * 1e9);
  }

  /**
   * The {@link System#nanoTime()} reading at which scenario time reaches {@code scenarioSeconds}.
   */
  public long nanoTimeAt(double scenarioSeconds) {
    return startNanos + wallNanos(scenarioSeconds);
  }

  /** Sleeps until scenario time reaches {@code scenarioSeconds}. */
  public void sleepUntil(double scenarioSeconds) throws InterruptedException {
    long wait;
    while ((wait = nanoTimeAt(scenarioSeconds) - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, Math.min(wait / 1_000_000, 500)));
    }
  }
}
