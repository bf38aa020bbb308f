// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.watchpost.api.event.Event;

/**
 * Above budget, individual events become counts: per camera and rule, how many events of each
 * {@code type[.class][.direction]} happened between the first and the last. Bounded: a rule keeps
 * at most {@link #MAX_KEYS_PER_RULE} keys, further kinds land in {@code other}.
 */
final class EventFolder {
  static final int MAX_KEYS_PER_RULE = 32;

  /** Folded counts of one rule, ready to publish. */
  record Folded(
      String cameraId, String ruleId, long fromMillis, long toMillis, Map<String, Long> counts) {}

  private static final class Tally {
    final String cameraId;
    final String ruleId;
    long from = Long.MAX_VALUE;
    long to = Long.MIN_VALUE;
    final Map<String, Long> counts = new TreeMap<>();

    Tally(String cameraId, String ruleId) {
      this.cameraId = cameraId;
      this.ruleId = ruleId;
    }
  }

  private final Map<String, Tally> tallies = new LinkedHashMap<>();
  private long foldedTotal;

  synchronized void fold(Event event) {
    Tally tally =
        tallies.computeIfAbsent(
            event.cameraId() + "\u0000" + event.ruleId(),
            k -> new Tally(event.cameraId(), event.ruleId()));
    tally.from = Math.min(tally.from, event.eventTimeMillis());
    tally.to = Math.max(tally.to, event.eventTimeMillis());
    String key = key(event);
    if (!tally.counts.containsKey(key) && tally.counts.size() >= MAX_KEYS_PER_RULE) {
      key = "other";
    }
    tally.counts.merge(key, 1L, Long::sum);
    foldedTotal++;
  }

  static String key(Event event) {
    StringBuilder key = new StringBuilder(event.type());
    if (!event.className().isEmpty()) {
      key.append('.').append(event.className());
    }
    String direction = event.attributes().get("direction");
    if (direction != null) {
      key.append('.').append(direction);
    }
    return key.toString();
  }

  /** Everything folded so far, and a fresh start. */
  synchronized List<Folded> drain() {
    List<Folded> out = new ArrayList<>(tallies.size());
    for (Tally t : tallies.values()) {
      out.add(new Folded(t.cameraId, t.ruleId, t.from, t.to, Map.copyOf(t.counts)));
    }
    tallies.clear();
    return out;
  }

  synchronized boolean isEmpty() {
    return tallies.isEmpty();
  }

  synchronized long foldedTotal() {
    return foldedTotal;
  }
}
