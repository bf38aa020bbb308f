// SPDX-License-Identifier: Apache-2.0
package org.watchpost.faults;

import java.util.Objects;

/**
 * One fault over one window of stream time, {@code [fromMillis, toMillis)}.
 *
 * @param kind what happens
 * @param fromMillis start in stream time (the frame's {@code streamMillis}), inclusive
 * @param toMillis end in stream time, exclusive
 * @param amount how strong (see {@link FaultKind}); NaN for kinds without an amount
 */
public record Fault(FaultKind kind, long fromMillis, long toMillis, double amount) {
  /** Windows end at most this far into a stream: 100 days. */
  public static final long MAX_MILLIS = 100L * 24 * 3600 * 1000;

  public Fault {
    Objects.requireNonNull(kind, "kind");
    if (fromMillis < 0 || toMillis <= fromMillis || toMillis > MAX_MILLIS) {
      throw new IllegalArgumentException(
          "fault "
              + kind.code()
              + " needs 0 <= from < to <= "
              + MAX_MILLIS
              + " ms, was "
              + fromMillis
              + ".."
              + toMillis);
    }
    if (!kind.hasAmount()) {
      amount = Double.NaN;
    } else if (Double.isNaN(amount)) {
      amount = kind.defaultAmount();
    } else if (!(amount >= kind.minAmount() && amount <= kind.maxAmount())) {
      throw new IllegalArgumentException(
          "fault "
              + kind.code()
              + " amount must be within "
              + kind.minAmount()
              + ".."
              + kind.maxAmount()
              + ", was "
              + amount);
    }
    if (kind == FaultKind.SLOW && amount != Math.rint(amount)) {
      throw new IllegalArgumentException(
          "fault slow keeps one frame in N; N must be whole, was " + amount);
    }
  }

  /** A fault with its kind's default amount. */
  public static Fault of(FaultKind kind, double fromSeconds, double toSeconds) {
    return new Fault(
        kind, Math.round(fromSeconds * 1000), Math.round(toSeconds * 1000), Double.NaN);
  }

  public boolean activeAt(long streamMillis) {
    return streamMillis >= fromMillis && streamMillis < toMillis;
  }

  /** The schedule notation, e.g. {@code blur:3@30-40} (times in seconds). */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder(kind.code());
    if (kind.hasAmount()) {
      text.append(':').append(number(amount));
    }
    return text.append('@')
        .append(number(fromMillis / 1000.0))
        .append('-')
        .append(number(toMillis / 1000.0))
        .toString();
  }

  private static String number(double value) {
    return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }
}
