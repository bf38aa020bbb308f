// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import java.util.Arrays;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.api.detect.ServingStats;

/**
 * What one active model has done since it was activated: counts and the times of its recent calls.
 */
final class ServingRecord {
  private static final int RECENT = 256;

  private final ModelInfo model;
  private final long sinceMillis = System.currentTimeMillis();
  private final long[] recentNanos = new long[RECENT];
  private long calls;
  private long errors;
  private String lastError = "";

  ServingRecord(ModelInfo model) {
    this.model = model;
  }

  synchronized void served(long nanos) {
    recentNanos[(int) (calls % RECENT)] = nanos;
    calls++;
  }

  synchronized void failed(String message) {
    errors++;
    lastError = message == null ? "" : message;
  }

  synchronized ServingStats stats() {
    int n = (int) Math.min(calls, RECENT);
    double p50 = Double.NaN;
    double p95 = Double.NaN;
    if (n > 0) {
      long[] sorted = Arrays.copyOf(recentNanos, n);
      Arrays.sort(sorted);
      p50 = sorted[(n - 1) / 2] / 1e6;
      p95 = sorted[(int) Math.ceil(0.95 * n) - 1] / 1e6;
    }
    return new ServingStats(model, sinceMillis, calls, errors, p50, p95, lastError);
  }
}
