// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * Keeps the bytes the uplink causes on the link within a hard cap over any window of {@link
 * #WINDOW_NANOS}, (checked over the window plus {@link #SKEW_NANOS}, so that a byte that reaches
 * the wire late still counts in every window it could fall into), and paces them with a token
 * bucket so that the link's queue stays short and an alarm never waits behind a burst.
 *
 * <p>Two rules, both must allow a send: the token bucket (rate = what the ledger allows in the long
 * run, size = burst) shapes, and a ledger of what was sent in the last window enforces the cap
 * exactly, whatever the bucket allowed. Some bytes cannot be refused (a ping, a CONNACK): they are
 * charged with {@link #chargeUnavoidable} and {@link #reserveBytes} of the window is kept free for
 * them.
 *
 * <p>Requests that arrive are not the device's to refuse: they are counted on an inbound ledger of
 * their own ({@link #chargeInbound}), never against the tokens and window that pace what the device
 * sends, so that a flood of requests cannot hold back alarms. Acknowledgements of the device's own
 * publishes stay on the send side.
 *
 * <p>Replies the device asks for (model chunks) are charged once, when asked for, on a pace at the
 * downlink budget's rate: a reply may be asked for once the replies asked before it would have
 * crossed a link at that rate within {@link #REPLY_QUEUE_SECONDS}, so what the device asks for over
 * any time T is at most the budget's T plus those seconds plus one reply, and the next chunk is
 * asked for before the link runs out of the previous one. Issue 17's first version held whole
 * replies to the 10 s window of arrivals: a window of 12,000 B at 9,600 bit/s holds two 4 kB
 * chunks, never the 2.8 the link carries, and a reply could be asked for only once the window had
 * room for it as if it arrived at once: one chunk every 7.7 s instead of every 3.6 s. The replies
 * awaited are also kept to those seconds of the downlink plus one reply, for a link slower than its
 * budget.
 *
 * <p>Those seconds are the reply window: at least {@link #REPLY_QUEUE_SECONDS}, and once replies
 * have come back, the bandwidth-delay product (the downlink budget's rate times the shortest round
 * trip measured from a request sent to its whole reply in, with nothing awaited ahead of it), times
 * {@link #REPLY_WINDOW_GAIN}, in whole replies, at most {@link #REPLY_WINDOW_MAX_SECONDS}. A fixed
 * 2 s covered a request's way to the console only while it took less than one reply's time on the
 * downlink: on a 2,400 bit/s uplink with 600 ms each way a 4 kB chunk's request needs about 2 s
 * with nothing ahead of it, and any message ahead of it on the uplink left the downlink idle (issue
 * 17: 11 % idle at 2,400 up / 9,600 down).
 *
 * <p>A budget of 0 means no cap: every send is allowed at once, and only the totals are kept.
 */
final class BandwidthGovernor {
  static final long WINDOW_NANOS = 10_000_000_000L;

  /**
   * The ledger looks back this much further than the window: bytes reach the wire a little after
   * they are allowed (client queues, a PUBACK's round trip), and a window on the wire must still
   * hold everything that was allowed up to this long before it started.
   */
  static final long SKEW_NANOS = 1_000_000_000L;

  private static final long LEDGER_NANOS = WINDOW_NANOS + SKEW_NANOS;

  private final long budgetBitsPerSecond;
  private final double bytesPerNano;
  private final double bucketSize;
  private final long windowLimit;
  private final long reserveBytes;
  private final LongSupplier nanoClock;

  private double tokens;
  private long lastRefill;

  /**
   * What the device sent (and the acknowledgements of it): the ledger the budget is enforced on.
   * Kept only while capped; looks back {@link #LEDGER_NANOS}.
   */
  private final Ledger uplink = new Ledger("uplink", LEDGER_NANOS, Integer.MAX_VALUE);

  /**
   * What others sent the device unasked (requests, charged when they arrived): counted apart, never
   * charged against {@link #uplink}; a reply is asked for only when it fits the window beside them.
   * Bounded: at most one entry per message that arrived in the window, and the router bounds those.
   */
  private final Ledger downlink = new Ledger("downlink", WINDOW_NANOS, 100_000);

  /** Bytes that arrived, since start. */
  private long inboundTotal;

  /** Downlink budget in bytes per nanosecond; 0 for none. */
  private final double downBytesPerNano;

  /**
   * When the replies asked for so far would have crossed a link at the downlink budget's rate
   * (nanos).
   */
  private long replyPaceNanos;

  /** The downlink's cap over {@link #WINDOW_NANOS}, bytes; 0 for none. */
  private final long downWindowLimit;

  /**
   * Replies asked for and not yet arrived, oldest first ({time, bytes}): they hold room on the
   * downlink until they arrive, when they are charged (once) on its ledger; one that never comes
   * stops holding room after {@link #REPLY_EXPIRY_NANOS}. Bounded.
   */
  private final ArrayDeque<long[]> awaited = new ArrayDeque<>();

  private long awaitedBytes;

  /**
   * A reply is asked for once the replies asked before it would have crossed the downlink within
   * this many seconds, and at most this much of the downlink plus the new reply is awaited at once:
   * what waits in the link's queue in front of the device delays every acknowledgement behind it,
   * and a round trip shorter than this keeps the link busy.
   */
  static final double REPLY_QUEUE_SECONDS = 2.0;

  /** A reply not arrived after this long (a chunk's timeout) holds no room. */
  static final long REPLY_EXPIRY_NANOS = 60_000_000_000L;

  /**
   * The reply window over the bandwidth-delay product: room for a request that takes up to twice
   * the best round trip seen (behind a message on a slow uplink, jitter) without the downlink
   * running dry (BBR's window gain).
   */
  static final double REPLY_WINDOW_GAIN = 2.0;

  /**
   * The largest reply window, seconds of the downlink: what waits in its queue delays every
   * acknowledgement.
   */
  static final double REPLY_WINDOW_MAX_SECONDS = 12.0;

  /**
   * Round trips remembered for the shortest one (each taken with nothing awaited ahead of its
   * reply).
   */
  static final int ROUND_TRIP_SAMPLES = 8;

  /**
   * An arrival of at least this share of the oldest reply awaited is that reply (replies come in
   * the order asked); smaller ones are requests nobody asked for.
   */
  static final double REPLY_MATCH_SHARE = 0.5;

  /** Round trips of replies asked for with nothing awaited ahead of them, newest last (nanos). */
  private final ArrayDeque<Long> roundTrips = new ArrayDeque<>();

  private long totalBytes;

  /**
   * @param budgetBitsPerSecond the cap; 0 for none
   * @param burstSeconds bucket size in seconds of budget
   * @param reserveBytes bytes of every window kept for unavoidable traffic (pings,
   *     acknowledgements)
   */
  BandwidthGovernor(
      long budgetBitsPerSecond, double burstSeconds, long reserveBytes, LongSupplier nanoClock) {
    this(budgetBitsPerSecond, -1, burstSeconds, reserveBytes, nanoClock);
  }

  /**
   * @param downlinkBitsPerSecond the cap on what the device's requests cause to be sent to it
   *     (replies it asks for, such as model chunks); -1 for the same as the uplink (a symmetric
   *     link), 0 for none
   */
  BandwidthGovernor(
      long budgetBitsPerSecond,
      long downlinkBitsPerSecond,
      double burstSeconds,
      long reserveBytes,
      LongSupplier nanoClock) {
    long down = downlinkBitsPerSecond < 0 ? budgetBitsPerSecond : downlinkBitsPerSecond;
    this.downWindowLimit = down * (WINDOW_NANOS / 1_000_000_000L) / 8;
    this.downBytesPerNano = down / 8.0 / 1e9;
    this.budgetBitsPerSecond = budgetBitsPerSecond;
    this.nanoClock = nanoClock;
    this.windowLimit = budgetBitsPerSecond * (WINDOW_NANOS / 1_000_000_000L) / 8;
    // The bucket refills at what the ledger allows in the long run, so that it, not the ledger,
    // sets the pace.
    this.bytesPerNano = Math.max(1, windowLimit - reserveBytes) / (double) LEDGER_NANOS;
    this.bucketSize = Math.max(1, budgetBitsPerSecond / 8.0 * burstSeconds);
    this.reserveBytes = reserveBytes;
    if (budgetBitsPerSecond > 0 && windowLimit <= reserveBytes) {
      throw new IllegalArgumentException(
          "a budget of "
              + budgetBitsPerSecond
              + " bit/s allows "
              + windowLimit
              + " bytes per 10 s, not more than the "
              + reserveBytes
              + " bytes kept for pings and acknowledgements");
    }
    this.tokens = bucketSize;
    this.lastRefill = nanoClock.getAsLong();
    this.replyPaceNanos = lastRefill;
  }

  boolean capped() {
    return budgetBitsPerSecond > 0;
  }

  /**
   * The most one send may cost: the window minus the reserve. Larger messages can never be sent.
   */
  synchronized long largestSend() {
    return capped() ? windowLimit - reserveBytes : Long.MAX_VALUE;
  }

  /** Bytes per second the budget allows, for backlog estimates; 0 when there is no cap. */
  double bytesPerSecond() {
    return budgetBitsPerSecond / 8.0;
  }

  /**
   * How long to wait before {@code bytes} may be sent; 0 when now.
   *
   * @throws IllegalArgumentException when the send is larger than {@link #largestSend()}
   */
  synchronized long delayNanos(long bytes) {
    if (!capped()) {
      return 0;
    }
    if (bytes > largestSend()) {
      throw new IllegalArgumentException(
          bytes + " bytes can never fit a budget of " + windowLimit + " bytes per 10 s");
    }
    long now = nanoClock.getAsLong();
    refill(now);
    prune(now);
    long bucketWait = 0;
    double needed = Math.min(bytes, bucketSize);
    // The tolerance absorbs rounding: after waiting exactly the delay given, the send is allowed.
    if (tokens < needed - 1e-6) {
      bucketWait = (long) Math.ceil((needed - tokens) / bytesPerNano);
    }
    long windowWait = 0;
    long allowed = windowLimit - reserveBytes;
    if (uplink.bytes + bytes > allowed) {
      windowWait = uplink.nanosUntilFreed(uplink.bytes + bytes - allowed, now);
    }
    return Math.max(bucketWait, windowWait);
  }

  /**
   * How long to wait before a send of {@code bytes} that asks for {@code replyBytes} back may go:
   * the send on the uplink's rules, the reply on the downlink's (its window, charged as asked, and
   * the queue of replies awaited ahead of it; a reply larger than the whole window only needs an
   * empty one). A send with no reply never waits for the downlink.
   */
  synchronized long delayNanos(long bytes, long replyBytes) {
    return Math.max(delayNanos(bytes), replyDelayNanos(replyBytes));
  }

  /**
   * How long a request for a reply of {@code replyBytes} waits for the downlink alone; 0 when it
   * has room now.
   */
  synchronized long replyDelayNanos(long replyBytes) {
    if (replyBytes <= 0 || downWindowLimit <= 0) {
      return 0;
    }
    long now = nanoClock.getAsLong();
    downlink.prune(now);
    expireAwaited(now);
    long need = Math.min(replyBytes, downWindowLimit);
    double window = replyWindowSeconds(need);
    long down = Math.max(0, replyPaceNanos - now - (long) (window * 1e9));
    if (awaitedBytes > 0 && awaitedBytes > window * downBytesPerNano * 1e9 + need) {
      // A link slower than its budget: room comes back when a reply arrives, which the governor
      // learns only then.
      down = Math.max(down, POLL_NANOS);
    }
    if (downlink.bytes + need > downWindowLimit) {
      down =
          Math.max(
              down,
              Math.max(1, downlink.nanosUntilFreed(downlink.bytes + need - downWindowLimit, now)));
    }
    return down;
  }

  private static final long POLL_NANOS = 100_000_000L;

  /**
   * Seconds of the downlink that may be awaited, beyond one reply, ahead of a new reply of {@code
   * need} bytes (and that the pace may run ahead): {@link #REPLY_QUEUE_SECONDS} until a round trip
   * is measured; then so that the replies awaited with the new one make the bandwidth-delay product
   * times {@link #REPLY_WINDOW_GAIN} in whole replies (rounded up: a window short of a reply leaves
   * the link idle for the rest), those replies at most {@link #REPLY_WINDOW_MAX_SECONDS} of the
   * downlink.
   */
  synchronized double replyWindowSeconds(long need) {
    if (roundTrips.isEmpty() || downBytesPerNano <= 0 || need <= 0) {
      return REPLY_QUEUE_SECONDS;
    }
    double bytesPerSecond = downBytesPerNano * 1e9;
    double bdpBytes = REPLY_WINDOW_GAIN * shortestRoundTripNanos() / 1e9 * bytesPerSecond;
    double replies =
        Math.min(
            Math.ceil(bdpBytes / need),
            Math.floor(REPLY_WINDOW_MAX_SECONDS * bytesPerSecond / need));
    // The check allows what is awaited up to these seconds plus one reply before the new one is
    // asked for.
    return Math.max(REPLY_QUEUE_SECONDS, (replies - 2) * need / bytesPerSecond);
  }

  /** The shortest round trip remembered (request sent to whole reply in), nanos; 0 before any. */
  synchronized long shortestRoundTripNanos() {
    return roundTrips.stream().mapToLong(Long::longValue).min().orElse(0);
  }

  /**
   * Records a send the governor allowed and the reply it asked for, charged on the downlink's pace
   * now (once: not again when it arrives) and awaited until it comes.
   */
  synchronized void charge(long bytes, long replyBytes) {
    charge(bytes);
    if (replyBytes > 0) {
      long now = nanoClock.getAsLong();
      expireAwaited(now);
      // {asked at, bytes, 1 when nothing was awaited ahead of it: its round trip is the link's, not
      // a queue's}
      awaited.addLast(new long[] {now, replyBytes, awaited.isEmpty() ? 1 : 0});
      awaitedBytes += replyBytes;
      while (awaited.size() > 100_000) {
        awaitedBytes -= awaited.pollFirst()[1];
      }
      if (downBytesPerNano > 0) {
        replyPaceNanos = Math.max(now, replyPaceNanos) + (long) (replyBytes / downBytesPerNano);
      }
    }
  }

  private void expireAwaited(long now) {
    while (!awaited.isEmpty() && awaited.peekFirst()[0] + REPLY_EXPIRY_NANOS <= now) {
      awaitedBytes -= awaited.pollFirst()[1];
    }
  }

  /**
   * Sleeps until {@code bytes} may be sent, or until {@code running} says stop; in slices of at
   * most 0.5 s.
   */
  void await(long bytes, java.util.function.BooleanSupplier running) throws InterruptedException {
    long delay;
    while (running.getAsBoolean() && (delay = delayNanos(bytes)) > 0) {
      java.util.concurrent.TimeUnit.NANOSECONDS.sleep(Math.min(delay, 500_000_000L));
    }
  }

  /** Records a send the governor allowed. */
  synchronized void charge(long bytes) {
    long now = nanoClock.getAsLong();
    refill(now);
    tokens -= bytes;
    record(now, bytes);
  }

  /**
   * Records bytes that were not asked for (pings, CONNACK, a handshake): they count, whatever the
   * state.
   */
  synchronized void chargeUnavoidable(long bytes) {
    charge(bytes);
  }

  /**
   * Records bytes that others sent the device (requests): on the inbound ledger, apart from the
   * send budget.
   */
  synchronized void chargeInbound(long bytes) {
    long now = nanoClock.getAsLong();
    totalBytes += bytes;
    inboundTotal += bytes;
    expireAwaited(now);
    // What was awaited was charged when asked for; only what nobody asked for is charged now.
    // Replies come in
    // the order asked: an arrival the size of the oldest one awaited is that reply, whole (so that
    // its round
    // trip is measured when it came, not when later bytes made up for a reply smaller than asked
    // for), and only
    // what it brought beyond it is charged; a smaller arrival is a request nobody asked for.
    long left = bytes;
    long[] first = awaited.peekFirst();
    if (first != null && bytes >= first[1] * REPLY_MATCH_SHARE) {
      awaited.pollFirst();
      awaitedBytes -= first[1];
      left = Math.max(0, bytes - first[1]);
      if (first[2] == 1) {
        roundTrips.addLast(Math.max(1, now - first[0]));
        while (roundTrips.size() > ROUND_TRIP_SAMPLES) {
          roundTrips.pollFirst();
        }
      }
    }
    if (left > 0) {
      downlink.add(now, left);
    }
  }

  /** Replies asked for and not arrived, bytes. */
  synchronized long awaitedReplyBytes() {
    expireAwaited(nanoClock.getAsLong());
    return awaitedBytes;
  }

  /** Bytes nobody asked for (requests) that arrived over the last window. */
  synchronized long downlinkWindowBytes() {
    downlink.prune(nanoClock.getAsLong());
    return downlink.bytes;
  }

  /** Bytes that arrived since start. */
  synchronized long inboundBytes() {
    return inboundTotal;
  }

  /** Every byte charged since start, both ledgers. */
  synchronized long totalBytes() {
    return totalBytes;
  }

  private void record(long now, long bytes) {
    totalBytes += bytes;
    if (!capped()) {
      return;
    }
    uplink.add(now, bytes);
  }

  private void refill(long now) {
    if (!capped()) {
      return;
    }
    tokens = Math.min(bucketSize, tokens + (now - lastRefill) * bytesPerNano);
    lastRefill = now;
  }

  private void prune(long now) {
    uplink.prune(now);
  }

  /**
   * Bytes by the time they were charged, over a horizon: one per direction, so that each direction
   * can be held to a budget of its own. Guarded by the governor's lock.
   */
  private static final class Ledger {
    final String name;
    private final long horizonNanos;
    private final int maxEntries;
    private final ArrayDeque<long[]> entries = new ArrayDeque<>();

    /** Bytes within the horizon. */
    long bytes;

    /** Bytes since start. */
    long total;

    Ledger(String name, long horizonNanos, int maxEntries) {
      this.name = name;
      this.horizonNanos = horizonNanos;
      this.maxEntries = maxEntries;
    }

    void add(long now, long n) {
      total += n;
      entries.addLast(new long[] {now, n});
      bytes += n;
      prune(now);
      while (entries.size() > maxEntries) {
        bytes -= entries.pollFirst()[1];
      }
    }

    void prune(long now) {
      while (!entries.isEmpty() && entries.peekFirst()[0] + horizonNanos <= now) {
        bytes -= entries.pollFirst()[1];
      }
    }

    /**
     * How long until {@code excess} bytes have left the horizon; 0 when the ledger never held that
     * many.
     */
    long nanosUntilFreed(long excess, long now) {
      for (long[] entry : entries) {
        excess -= entry[1];
        if (excess <= 0) {
          return entry[0] + horizonNanos - now + 1;
        }
      }
      return 0;
    }

    @Override
    public String toString() {
      return name + " ledger: " + bytes + " bytes in " + horizonNanos / 1_000_000 + " ms";
    }
  }
}
