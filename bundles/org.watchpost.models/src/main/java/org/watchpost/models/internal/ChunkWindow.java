// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * How many chunk requests an MQTT transfer keeps outstanding: the link's bandwidth-delay product,
 * measured as BBR does (issue 17). Each chunk gives a round trip (request asked to chunk arrived)
 * and a delivery rate (bytes delivered between the request and its chunk, over that round trip);
 * the window is twice the highest recent rate times the lowest round trip, in chunks, so that it
 * grows while the link has room (a window that limits the rate measures a rate that asks for more)
 * and stops where more in flight would only queue. The uplink holds each request until the downlink
 * has room for its reply, so a window too large waits on the device, never floods the link. Works
 * on the transfer worker only.
 */
final class ChunkWindow {
  /**
   * The most requests outstanding, whatever the measurement says: bounds what the console may have
   * queued.
   */
  static final int MAX_IN_FLIGHT = 16;

  /** Rate samples remembered for the maximum (BBR keeps about ten round trips). */
  private static final int RATE_SAMPLES = 10;

  /** BBR's gain: room to find out that the link can take more. */
  private static final double GAIN = 2.0;

  private final int floor;
  private final Map<Long, long[]> asked = new HashMap<>();
  private final ArrayDeque<Double> rates = new ArrayDeque<>();
  private long delivered;
  private long minRttNanos = Long.MAX_VALUE;

  /**
   * @param floor the fewest requests outstanding (the configured {@code chunks_in_flight})
   */
  ChunkWindow(int floor) {
    this.floor = Math.max(1, Math.min(floor, MAX_IN_FLIGHT));
  }

  void asked(long offset, long nanos) {
    if (asked.size() < MAX_IN_FLIGHT * 4) {
      asked.put(offset, new long[] {nanos, delivered});
    }
  }

  void arrived(long offset, int bytes, long nanos) {
    delivered += bytes;
    long[] a = asked.remove(offset);
    if (a == null) {
      return;
    }
    long rtt = Math.max(1, nanos - a[0]);
    minRttNanos = Math.min(minRttNanos, rtt);
    rates.addLast((delivered - a[1]) / (double) rtt);
    while (rates.size() > RATE_SAMPLES) {
      rates.pollFirst();
    }
  }

  /**
   * Requests asked for again from scratch (a new link, a timeout): their round trips would mislead.
   */
  void forget() {
    asked.clear();
  }

  /** Requests to keep outstanding, for chunks of {@code chunkBytes}. */
  int size(int chunkBytes) {
    if (rates.isEmpty()) {
      return floor;
    }
    double maxRate = rates.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    double bdpChunks = GAIN * maxRate * minRttNanos / Math.max(1, chunkBytes);
    return (int) Math.max(floor, Math.min(MAX_IN_FLIGHT, Math.ceil(bdpChunks)));
  }
}
