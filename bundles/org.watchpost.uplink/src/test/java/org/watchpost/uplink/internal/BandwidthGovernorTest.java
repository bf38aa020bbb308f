package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The governor on a simulated clock: hours of traffic in milliseconds. */
class BandwidthGovernorTest {
  private long now;

  @Test
  void noWindowOfTenSecondsEverCarriesMoreThanTheBudget() {
    BandwidthGovernor governor = new BandwidthGovernor(9_600, 1.0, 100, () -> now);
    Random random = new Random(3);
    List<long[]> sends = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      long bytes = random.nextInt(10) == 0 ? 1_000 + random.nextInt(2_000) : 20 + random.nextInt(400);
      long delay = governor.delayNanos(bytes);
      now += delay;
      assertEquals(0, governor.delayNanos(bytes), "after the wait the send is allowed");
      governor.charge(bytes);
      sends.add(new long[] {now, bytes});
      now += random.nextInt(50) * 1_000_000L;
    }
    long limit = 9_600 * 10 / 8 - 100;
    long sum = 0;
    int tail = 0;
    long max = 0;
    for (long[] head : sends) {
      sum += head[1];
      while (sends.get(tail)[0] <= head[0] - BandwidthGovernor.WINDOW_NANOS) {
        sum -= sends.get(tail++)[1];
      }
      max = Math.max(max, sum);
    }
    assertTrue(max <= limit, "busiest window " + max + " > " + limit);
    double seconds = now / 1e9;
    double rate = sends.stream().mapToLong(s -> s[1]).sum() * 8 / seconds;
    assertTrue(rate > 9_600 * 0.8, "the budget is used: " + rate + " bit/s");
  }

  @Test
  void aQuietLinkLetsOneBurstThroughAtOnceThenPaces() {
    BandwidthGovernor governor = new BandwidthGovernor(8_000, 1.0, 0, () -> now);
    assertEquals(0, governor.delayNanos(1_000));
    governor.charge(1_000);
    long wait = governor.delayNanos(500);
    // The long-run rate is 10,000 bytes per 11 s (the window and its skew allowance): 909 B/s.
    assertEquals(550_000_000L, wait, 1_000_000L, "500 bytes at 909 B/s after the burst is spent");
  }

  @Test
  void aSendLargerThanTheWindowIsRefused() {
    BandwidthGovernor governor = new BandwidthGovernor(800, 1.0, 50, () -> now);
    assertEquals(950, governor.largestSend());
    assertThrows(IllegalArgumentException.class, () -> governor.delayNanos(951));
  }

  @Test
  void withoutBudgetNothingWaits() {
    BandwidthGovernor governor = new BandwidthGovernor(0, 1.0, 0, () -> now);
    governor.charge(1 << 30);
    assertEquals(0, governor.delayNanos(1 << 30));
    assertEquals(1L << 30, governor.totalBytes());
  }

  /**
   * Issue 17: on a 9,600 down / 2,400 up link, a chunk request waits for room for its reply on the downlink,
   * not on the uplink (where the whole 2,400 bit/s window could never hold a 5 kB reply beside anything else),
   * a reply holds room while awaited and is charged once, when it arrives, and at most about
   * {@link BandwidthGovernor#REPLY_QUEUE_SECONDS} of the downlink is awaited at once (at least one reply).
   */
  @Test
  void repliesAreHeldToTheDownlinkAndChargedOnce() {
    BandwidthGovernor governor = new BandwidthGovernor(2_400, 9_600, 1.0, 100, () -> now);
    long reply = 1_000;
    assertEquals(0, governor.delayNanos(60, reply));
    governor.charge(60, reply);
    assertEquals(0, governor.delayNanos(60, reply), "2 s of 9,600 bit/s (2,400 B) hold two replies of 1 kB");
    governor.charge(60, reply);
    assertTrue(governor.delayNanos(60, reply) > 0, "a third waits until one arrives");
    assertEquals(0, governor.delayNanos(60, 0), "an alarm, which asks for nothing back, never waits for it");
    assertEquals(2 * reply, governor.awaitedReplyBytes());

    governor.chargeInbound(reply);
    assertEquals(0, governor.delayNanos(60, reply), "the reply came: room again");
    governor.chargeInbound(reply);
    assertEquals(2 * reply, governor.downlinkWindowBytes(), "each reply on the downlink once, when it arrived");
    assertEquals(2 * reply, governor.inboundBytes());
    assertEquals(0, governor.awaitedReplyBytes());

    BandwidthGovernor big = new BandwidthGovernor(2_400, 9_600, 1.0, 100, () -> now);
    assertTrue(5_000 + 60 > big.largestSend(), "the old rule (request + reply in the 3,000 B uplink window) never sent it");
    assertEquals(0, big.delayNanos(60, 5_000), "one reply larger than the queue allowance still goes alone");
    big.charge(60, 5_000);
    assertTrue(big.delayNanos(60, 5_000) > 0);
    now += BandwidthGovernor.REPLY_EXPIRY_NANOS;
    assertEquals(0, big.awaitedReplyBytes(), "a reply that never came stops holding room");
  }

  @Test
  void aSymmetricLinkIsTheDefaultAndZeroMeansNoDownlinkCap() {
    BandwidthGovernor symmetric = new BandwidthGovernor(9_600, 1.0, 100, () -> now);
    symmetric.chargeInbound(11_000);
    assertTrue(symmetric.delayNanos(10, 2_000) > 0, "9,600 bit/s down: 12,000 B per 10 s");
    BandwidthGovernor open = new BandwidthGovernor(9_600, 0, 1.0, 100, () -> now);
    open.charge(0, 1_000_000);
    assertEquals(0, open.delayNanos(10, 1_000_000));
  }
}
