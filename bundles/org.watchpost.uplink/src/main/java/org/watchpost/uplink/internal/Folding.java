// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;

/**
 * Folds events below alarm into counts per rule while the waiting events and alarms would take
 * longer than {@code fold_after_s} to send within the budget.
 *
 * <p>Threads: {@link #update} runs on the outbox writer's thread; {@link #tryFold} on callers'
 * threads; {@link #flush} on either and on the thread that stops the uplink. The decision ({@link
 * #folding}) is volatile, the tallies live in the {@link EventFolder} (synchronized), and flushing
 * holds this unit's lock.
 */
final class Folding {
  private static final Logger LOG = LoggerFactory.getLogger(Folding.class);

  private final EventFolder folder = new EventFolder();
  private final Outbox outbox;
  private final BandwidthGovernor governor;
  private final PayloadMapper mapper;
  private final double foldAfterSeconds;
  private final long flushIntervalNanos;

  /** Where the folded counts go: the intake of the outbox writer. */
  private final Consumer<Message> submit;

  private volatile boolean folding;

  /** Guarded by this. */
  private long lastFlush = System.nanoTime();

  Folding(
      Outbox outbox,
      BandwidthGovernor governor,
      PayloadMapper mapper,
      UplinkConfig config,
      Consumer<Message> submit) {
    this.outbox = outbox;
    this.governor = governor;
    this.mapper = mapper;
    this.foldAfterSeconds = config.fold_after_s();
    this.flushIntervalNanos = config.fold_interval_s() * 1_000_000_000L;
    this.submit = submit;
  }

  /**
   * Folds the event when folding is on and it is no alarm; false when it is to be sent as it is.
   */
  boolean tryFold(Event event) {
    if (event.priority() != Priority.ALARM && folding) {
      folder.fold(event);
      return true;
    }
    return false;
  }

  /** Decides whether to fold from the backlog in the outbox, then flushes what is due. */
  void update() {
    boolean shouldFold = false;
    if (governor.capped()) {
      long[] bytes = outbox.bytesByPriority();
      double urgent = bytes[Priority.ALARM.ordinal()] + bytes[Priority.EVENT.ordinal()];
      shouldFold = urgent / governor.bytesPerSecond() > foldAfterSeconds;
    }
    if (shouldFold != folding) {
      LOG.info(
          shouldFold
              ? "over budget: events below alarm are folded into counts per rule"
              : "back within budget: events are sent one by one again");
      folding = shouldFold;
    }
    flush(false);
  }

  /**
   * Sends the folded counts: every fold_interval_s while folding, at once when folding ended or
   * {@code now}.
   */
  synchronized void flush(boolean now) {
    if (folder.isEmpty()) {
      lastFlush = System.nanoTime();
      return;
    }
    if (!now && folding && System.nanoTime() - lastFlush < flushIntervalNanos) {
      return;
    }
    lastFlush = System.nanoTime();
    for (EventFolder.Folded f : folder.drain()) {
      submit.accept(
          mapper.folded(f.cameraId(), f.ruleId(), f.fromMillis(), f.toMillis(), f.counts()));
    }
  }

  boolean folding() {
    return folding;
  }

  long foldedTotal() {
    return folder.foldedTotal();
  }
}
