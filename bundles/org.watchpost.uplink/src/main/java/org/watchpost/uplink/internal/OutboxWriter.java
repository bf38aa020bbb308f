// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.event.Priority;

/**
 * Takes messages from any thread and commits them to the outbox in groups on its own thread.
 *
 * <p>Threads: {@link #submit} runs on callers' threads and only queues (never waits for the disk);
 * everything else runs on the thread {@code uplink-outbox-writer} ({@link #owner}). Hand-offs:
 * callers to the writer through the bounded queue {@link #intake}; the writer to the send thread
 * through {@code stored} (what was committed, and what was dropped to make room). The outbox's
 * write health ({@link #writeError}, {@link #writeFailures}) is set by this thread for appends and
 * by the send thread for removals, so both are atomic.
 */
final class OutboxWriter {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxWriter.class);
  private static final int INTAKE_CAPACITY = 100_000;
  private static final int WRITE_GROUP = 512;

  private final Outbox outbox;
  private final BandwidthGovernor governor;
  private final long maxMessageBytes;
  private final long intakeMaxBytes;
  private final int perPacketOverhead;
  private final BooleanSupplier running;

  /** Runs on the writer thread about once a second while running (the folding decision). */
  private final Runnable everySecond;

  /** Told on the writer thread of every committed group: the send thread's hand-off. */
  private final Consumer<Outbox.AppendResult> stored;

  private final Consumer<List<Outbox.Stored>> storedListener;

  /** Wakes the send thread once a group is committed. */
  private final Runnable committed;

  private final ThreadOwner owner = new ThreadOwner("the outbox writer");
  private final Thread thread;

  private final BlockingQueue<Outbox.Draft> intake = new ArrayBlockingQueue<>(INTAKE_CAPACITY);
  private final AtomicLong intakeBytes = new AtomicLong();
  private final AtomicLong writeFailures = new AtomicLong();
  private volatile String writeError = "";
  private volatile boolean accepting = true;
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong intakeOverflow = new AtomicLong();

  OutboxWriter(
      Outbox outbox,
      BandwidthGovernor governor,
      UplinkConfig config,
      BooleanSupplier running,
      Runnable everySecond,
      Consumer<Outbox.AppendResult> stored,
      Consumer<List<Outbox.Stored>> storedListener,
      Runnable committed) {
    this.outbox = outbox;
    this.governor = governor;
    this.maxMessageBytes = config.max_message_bytes();
    this.intakeMaxBytes = config.intake_max_bytes();
    this.perPacketOverhead = config.per_packet_overhead_bytes();
    this.running = running;
    this.everySecond = everySecond;
    this.stored = stored;
    this.storedListener = storedListener;
    this.committed = committed;
    this.thread = new Thread(this::writeLoop, "uplink-outbox-writer");
  }

  void start() {
    thread.start();
  }

  // ---------------------------------------------------------------- caller threads

  /**
   * Queues a message for the outbox; false when it was refused (too large) or the queue was full.
   */
  boolean submit(Message message, int expectedReplyBytes) {
    if (!accepting) {
      LOG.warn("uplink is stopping; message to {} not taken", message.topic());
      return false;
    }
    int size = message.maxEncodedSize();
    long limit = largestPayload(message.topic().topic());
    if (size > limit) {
      refused.incrementAndGet();
      LOG.warn(
          "refused a message to {}: {} bytes, over the limit of {} bytes",
          message.topic(),
          size,
          limit);
      return false;
    }
    Outbox.Draft draft =
        new Outbox.Draft(
            message.priority(), message.topic().topic(), message::encode, expectedReplyBytes, size);
    while (intakeBytes.get() + size > intakeMaxBytes || !intake.offer(draft)) {
      // Only while the disk cannot keep up (or is full): a higher priority pushes out the lowest
      // waiting one.
      Outbox.Draft victim = lowestBelow(message.priority());
      if (victim == null) {
        intakeOverflow.incrementAndGet();
        LOG.warn(
            "uplink intake full ({} messages, {} bytes waiting for the disk); message to {} dropped",
            intake.size(),
            intakeBytes.get(),
            message.topic());
        return false;
      }
      if (intake.remove(victim)) {
        intakeBytes.addAndGet(-victim.size());
        intakeOverflow.incrementAndGet();
      }
    }
    intakeBytes.addAndGet(size);
    return true;
  }

  /**
   * The waiting draft of the lowest priority below {@code p}, the newest of them; null when there
   * is none.
   */
  private Outbox.Draft lowestBelow(Priority p) {
    Outbox.Draft victim = null;
    for (Outbox.Draft d : intake) {
      if (d.priority().ordinal() > p.ordinal()
          && (victim == null || d.priority().ordinal() >= victim.priority().ordinal())) {
        victim = d;
      }
    }
    return victim;
  }

  /**
   * The largest payload that can go to this topic: the configured limit, and what one budget window
   * can carry.
   */
  long largestPayload(String topic) {
    long limit = maxMessageBytes;
    if (governor.capped()) {
      long framing =
          MqttFraming.publish(MqttFraming.utf8Length(topic), 0, 3, true)
              + 6
              + 2L * perPacketOverhead;
      limit = Math.min(limit, governor.largestSend() - framing);
    }
    return limit;
  }

  /**
   * Counts a message refused before it reached {@link #submit} (a notification to an invalid
   * topic).
   */
  void countRefused() {
    refused.incrementAndGet();
  }

  /** From now on every {@link #submit} is refused: the uplink is stopping. */
  void stopAccepting() {
    accepting = false;
  }

  /** Whether messages still wait to be committed. */
  boolean pending() {
    return !intake.isEmpty();
  }

  long refused() {
    return refused.get();
  }

  long intakeOverflow() {
    return intakeOverflow.get();
  }

  long writeFailures() {
    return writeFailures.get();
  }

  /** Why the outbox cannot be written now; empty when it can. */
  String writeError() {
    return writeError;
  }

  // ---------------------------------------------------------------- send thread: removals

  /**
   * The send thread could not remove delivered messages (a full disk): reported with the append
   * failures.
   */
  void removeFailed(String error) {
    writeFailures.incrementAndGet();
    writeError = error;
  }

  /** The send thread removed again after {@link #removeFailed}. */
  void removeRecovered() {
    writeError = "";
  }

  // ---------------------------------------------------------------- writer thread

  private void writeLoop() {
    owner.bind();
    List<Outbox.Draft> group = new ArrayList<>(WRITE_GROUP);
    long nextFoldCheck = 0;
    while (running.getAsBoolean() || !intake.isEmpty()) {
      try {
        if (running.getAsBoolean() && System.nanoTime() >= nextFoldCheck) {
          everySecond.run();
          nextFoldCheck = System.nanoTime() + 1_000_000_000L;
        }
        Outbox.Draft first = intake.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        intake.drainTo(group, WRITE_GROUP - 1);
        // Out of the intake's byte count: while the disk is full, intake bounds what waits behind
        // this group.
        group.forEach(d -> intakeBytes.addAndGet(-d.size()));
        Outbox.AppendResult result = appendUntilWritten(group);
        if (result == null) {
          LOG.error(
              "uplink stopped while the outbox could not be written ({}); {} messages not stored",
              writeError,
              group.size());
          continue;
        }
        if (result.refused() > 0 || !result.droppedSeqs().isEmpty()) {
          LOG.warn(
              "outbox full ({} bytes): dropped {} stored and {} new messages; dropped so far by priority {}",
              outbox.maxBytes(),
              result.droppedSeqs().size(),
              result.refused(),
              outbox.dropped());
        }
        stored.accept(result);
        storedListener.accept(result.stored());
        committed.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.error("storing {} messages failed; they are lost: {}", group.size(), e.getMessage(), e);
      } finally {
        group.clear();
      }
    }
  }

  /**
   * Appends the group, retrying with backoff for as long as the outbox cannot be written (a full
   * disk, an I/O error): the group stays in memory meanwhile and intake bounds what waits behind
   * it. Null only when the uplink stops first.
   */
  private Outbox.AppendResult appendUntilWritten(List<Outbox.Draft> group)
      throws InterruptedException {
    owner.check();
    long delayMillis = 50;
    while (true) {
      try {
        Outbox.AppendResult result = outbox.append(group, System.currentTimeMillis());
        if (!writeError.isEmpty()) {
          LOG.info(
              "the outbox is written again after {} failed attempts: {}",
              writeFailures.get(),
              writeError);
          writeError = "";
        }
        return result;
      } catch (IllegalStateException e) {
        writeFailures.incrementAndGet();
        if (writeError.isEmpty()) {
          LOG.error(
              "{}; {} messages kept in memory and retried",
              e.getMessage(),
              group.size() + intake.size());
        }
        writeError = e.getMessage();
      }
      if (!running.getAsBoolean()) {
        return null;
      }
      // A hand-rolled backoff: Failsafe would hold the group in a closure just the same, and this
      // loop must
      // give up at once when the uplink stops, which a sleep checked against running does.
      Thread.sleep(delayMillis);
      delayMillis = Math.min(delayMillis * 2, 2_000);
    }
  }

  /** Waits for the writer thread to finish after {@code running} turned false. */
  void join() {
    UplinkEngine.join(thread);
  }
}
