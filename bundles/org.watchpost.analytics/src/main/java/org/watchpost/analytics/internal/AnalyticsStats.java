// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counters of every camera's analytics for the run summary; updated from the pipeline threads. */
final class AnalyticsStats {
  private static final int SAMPLES = 100_000;

  final LongAdder frames = new LongAdder();
  final LongAdder gatedFrames = new LongAdder();
  final LongAdder detectorRuns = new LongAdder();
  final LongAdder cropRuns = new LongAdder();
  final LongAdder shedFrames = new LongAdder();
  final LongAdder degradedFrames = new LongAdder();
  final LongAdder tracksConfirmed = new LongAdder();
  private final Map<String, LongAdder> eventsByType = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> ruleEventsByType = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Map<String, Long>>> ruleCounts = new ConcurrentHashMap<>();
  private final long[] analyticsNanos = new long[SAMPLES];
  private final SplittableRandom random = new SplittableRandom(1);
  private long sampled;

  void event(String type) {
    eventsByType.computeIfAbsent(type, t -> new LongAdder()).increment();
  }

  void ruleEvent(String type) {
    ruleEventsByType.computeIfAbsent(type, t -> new LongAdder()).increment();
  }

  void ruleCounts(String cameraId, Map<String, Map<String, Long>> totals) {
    ruleCounts.put(cameraId, totals);
  }

  /**
   * Keeps a uniform sample of the per-frame analytics times (reservoir sampling), bounded in
   * memory.
   */
  synchronized void analyticsNanos(long nanos) {
    if (sampled < SAMPLES) {
      analyticsNanos[(int) sampled] = nanos;
    } else {
      long slot = random.nextLong(sampled + 1);
      if (slot < SAMPLES) {
        analyticsNanos[(int) slot] = nanos;
      }
    }
    sampled++;
  }

  synchronized double analyticsMillisMedian() {
    int n = (int) Math.min(sampled, SAMPLES);
    if (n == 0) {
      return 0;
    }
    long[] sorted = Arrays.copyOf(analyticsNanos, n);
    Arrays.sort(sorted);
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    return Math.round(median / 1e3) / 1e3;
  }

  Map<String, Object> summary(RuleBook book) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("tracks_confirmed", tracksConfirmed.sum());
    s.put("events_by_type", snapshot(eventsByType));
    s.put("gated_frames", gatedFrames.sum());
    s.put("analytics_ms_median", analyticsMillisMedian());
    s.put("analytics_frames", frames.sum());
    s.put("detector_runs", detectorRuns.sum());
    s.put("crop_detector_runs", cropRuns.sum());
    s.put("shed_frames", shedFrames.sum());
    s.put("degraded_frames", degradedFrames.sum());
    s.put("rule_events_by_type", snapshot(ruleEventsByType));
    s.put("rule_counts", new TreeMap<>(ruleCounts));
    s.put("rules_active", book.rules().size());
    s.put("rules_rejected", new TreeMap<>(book.rejected()));
    return s;
  }

  private static Map<String, Object> snapshot(Map<String, LongAdder> counters) {
    Map<String, Object> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
