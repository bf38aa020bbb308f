// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import java.util.Arrays;

/**
 * Durations of one stage, for medians and percentiles; keeps the most recent {@code capacity}
 * values.
 */
final class Samples {
  private final long[] values;
  private int size;
  private int next;

  Samples(int capacity) {
    values = new long[capacity];
  }

  synchronized void add(long value) {
    values[next] = value;
    next = (next + 1) % values.length;
    size = Math.min(size + 1, values.length);
  }

  synchronized int size() {
    return size;
  }

  /**
   * @return the q-quantile (0..1) by nearest rank, or NaN when empty
   */
  synchronized double quantile(double q) {
    if (size == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(q * size) - 1;
    return sorted[Math.max(0, Math.min(size - 1, rank))];
  }

  double median() {
    return quantile(0.5);
  }
}
