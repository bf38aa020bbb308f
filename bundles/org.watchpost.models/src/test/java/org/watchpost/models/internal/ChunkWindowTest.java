// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The chunk window on a simulated link: a bottleneck of {@code rate} bytes per second behind a
 * fixed propagation delay, served in order. The window must grow from its floor to about the
 * bandwidth-delay product, which a fixed window of 2 (the configured default) leaves mostly idle on
 * a long link.
 */
class ChunkWindowTest {

  /**
   * Bytes per second the simulated link delivers, with the window this policy picks; seconds
   * simulated.
   */
  private static double simulate(
      boolean adaptive, double rate, double delaySeconds, int chunk, double seconds) {
    ChunkWindow window = new ChunkWindow(2);
    java.util.ArrayDeque<double[]> inFlight =
        new java.util.ArrayDeque<>(); // {offset, arrival time}
    double now = 0;
    double linkFree = 0;
    long offset = 0;
    long delivered = 0;
    while (now < seconds) {
      int size = adaptive ? window.size(chunk) : 2;
      while (inFlight.size() < size) {
        // The request travels up, the chunk waits for the bottleneck, then travels down.
        double start = Math.max(now + delaySeconds / 2, linkFree);
        linkFree = start + chunk / rate;
        inFlight.addLast(new double[] {offset, linkFree + delaySeconds / 2});
        window.asked(offset, (long) (now * 1e9));
        offset += chunk;
      }
      double[] next = inFlight.pollFirst();
      now = next[1];
      window.arrived((long) next[0], chunk, (long) (now * 1e9));
      delivered += chunk;
    }
    return delivered / now;
  }

  @Test
  void theWindowFillsALongLinkAndStaysSmallOnAShortOne() {
    // 9,600 bit/s with a 2 s round trip (2G, satellite), chunks of 2 kB: BDP = 2,400 B, ~1.2
    // chunks... plus
    // the chunk's own serialisation: a fixed window of 2 still idles the link part of each round
    // trip.
    double fixedLong = simulate(false, 1_200, 4.0, 2_048, 3_600);
    double adaptiveLong = simulate(true, 1_200, 4.0, 2_048, 3_600);
    System.out.printf(
        "chunk window: 9,600 bit/s, 4 s round trip: fixed 2 %.0f B/s (%.0f%%), adaptive %.0f B/s "
            + "(%.0f%%)%n",
        fixedLong, 100 * fixedLong / 1_200, adaptiveLong, 100 * adaptiveLong / 1_200);
    assertTrue(fixedLong < 0.8 * 1_200, "a window of 2 idles a long link: " + fixedLong);
    assertTrue(adaptiveLong > 0.95 * 1_200, "the measured window fills it: " + adaptiveLong);

    ChunkWindow shortLink = new ChunkWindow(2);
    simulateInto(shortLink);
    assertTrue(
        shortLink.size(2_048) <= 4,
        "a short round trip needs few in flight: " + shortLink.size(2_048));
    assertEquals(2, new ChunkWindow(2).size(2_048), "the floor before anything is measured");
    ChunkWindow huge = new ChunkWindow(2);
    huge.asked(0, 0);
    huge.arrived(0, 1 << 30, 1_000_000_000L);
    assertEquals(
        ChunkWindow.MAX_IN_FLIGHT, huge.size(2_048), "bounded whatever the measurement says");
  }

  private static void simulateInto(ChunkWindow window) {
    // 1,200 B/s and a 50 ms round trip: each 2 kB chunk takes 1.7 s to serialise, so one or two
    // suffice.
    long now = 0;
    for (int i = 0; i < 20; i++) {
      window.asked(i * 2_048L, now);
      now += 1_757_000_000L;
      window.arrived(i * 2_048L, 2_048, now);
    }
  }
}
