// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.link;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What a link does, in scenario time: how many bits per second it carries each way (0: no cap), how
 * long a byte takes to cross it, how much that varies, and when it is down.
 *
 * @param bitsPerSecond capacity of the downlink (broker to device), and of the uplink unless {@code
 *     upBitsPerSecond} says otherwise; 0 for no cap
 * @param upBitsPerSecond capacity of the uplink (device to broker) when it differs, as on satellite
 *     and 2G links; 0 for the same as {@code bitsPerSecond}
 * @param latencyMillis one-way delay
 * @param jitterMillis the most the delay of a chunk varies above {@code latencyMillis} (uniform);
 *     order is kept
 * @param outages windows when the link is down, sorted and not overlapping
 */
public record LinkProfile(
    long bitsPerSecond,
    long upBitsPerSecond,
    double latencyMillis,
    double jitterMillis,
    List<Outage> outages) {
  /** How a link is down. */
  public enum OutageMode {
    /** Every connection is reset and new ones are refused: a modem that lost its carrier. */
    CUT,
    /**
     * Connections stay open and new ones are accepted, but nothing crosses: a satellite that lost
     * lock.
     */
    BLACKHOLE
  }

  /** A window {@code [fromSeconds, toSeconds)} of scenario time in which the link is down. */
  public record Outage(double fromSeconds, double toSeconds, OutageMode mode) {
    public Outage {
      if (!(fromSeconds >= 0) || !(toSeconds > fromSeconds)) {
        throw new IllegalArgumentException(
            "an outage needs 0 <= from < to, was " + fromSeconds + ".." + toSeconds);
      }
      if (mode == null) {
        throw new IllegalArgumentException("an outage needs a mode (cut or blackhole)");
      }
    }

    public boolean covers(double seconds) {
      return seconds >= fromSeconds && seconds < toSeconds;
    }

    public double seconds() {
      return toSeconds - fromSeconds;
    }
  }

  public static final LinkProfile OPEN = new LinkProfile(0, 0, 0, List.of());

  /** A symmetric link. */
  public LinkProfile(
      long bitsPerSecond, double latencyMillis, double jitterMillis, List<Outage> outages) {
    this(bitsPerSecond, 0, latencyMillis, jitterMillis, outages);
  }

  public LinkProfile {
    if (bitsPerSecond < 0 || upBitsPerSecond < 0 || !(latencyMillis >= 0) || !(jitterMillis >= 0)) {
      throw new IllegalArgumentException(
          "bits per second (either way), latency and jitter must not be negative");
    }
    List<Outage> sorted = new ArrayList<>(outages);
    sorted.sort(Comparator.comparingDouble(Outage::fromSeconds));
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).fromSeconds() < sorted.get(i - 1).toSeconds()) {
        throw new IllegalArgumentException(
            "outages " + sorted.get(i - 1) + " and " + sorted.get(i) + " overlap");
      }
    }
    outages = List.copyOf(sorted);
  }

  /** Capacity one way: up is device to broker; 0 for no cap. */
  public long bitsPerSecond(boolean up) {
    return up && upBitsPerSecond > 0 ? upBitsPerSecond : bitsPerSecond;
  }

  /** The outage at a scenario time, or null when the link is up. */
  public Outage outageAt(double seconds) {
    for (Outage outage : outages) {
      if (outage.covers(seconds)) {
        return outage;
      }
    }
    return null;
  }

  /** Parses an outage mode as scenario files write it: {@code cut} or {@code blackhole}. */
  public static OutageMode mode(String text) {
    try {
      return OutageMode.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(
          "outage mode must be cut or blackhole, was '" + text + "'");
    }
  }
}
