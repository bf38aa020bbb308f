// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.watchpost.api.health.HealthAlarm;

/**
 * Raised-to-cleared intervals of every camera state, in stream time, for the run summary. Bounded:
 * a device that runs for months keeps the latest intervals only.
 */
final class AlarmHistory {
  private final int capacity;
  private final Deque<Interval> intervals = new ArrayDeque<>();

  private static final class Interval {
    final String camera;
    final String state;
    final long raisedStreamMillis;
    Long clearedStreamMillis;

    Interval(String camera, String state, long raisedStreamMillis) {
      this.camera = camera;
      this.state = state;
      this.raisedStreamMillis = raisedStreamMillis;
    }
  }

  AlarmHistory(int capacity) {
    this.capacity = capacity;
  }

  synchronized void record(HealthAlarm alarm) {
    String state = alarm.state().name();
    if (alarm.raised()) {
      if (intervals.size() == capacity) {
        intervals.removeFirst();
      }
      intervals.addLast(new Interval(alarm.cameraId(), state, alarm.streamMillis()));
      return;
    }
    var open = intervals.descendingIterator();
    while (open.hasNext()) {
      Interval interval = open.next();
      if (interval.camera.equals(alarm.cameraId())
          && interval.state.equals(state)
          && interval.clearedStreamMillis == null) {
        interval.clearedStreamMillis = alarm.streamMillis();
        return;
      }
    }
  }

  /**
   * {@code {camera, state, raised_at_s, cleared_at_s}} per interval in the order raised; {@code
   * cleared_at_s} is null while the state is still raised.
   */
  synchronized List<Map<String, Object>> asList() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Interval interval : intervals) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("camera", interval.camera);
      entry.put("state", interval.state);
      entry.put("raised_at_s", interval.raisedStreamMillis / 1000.0);
      entry.put(
          "cleared_at_s",
          interval.clearedStreamMillis == null ? null : interval.clearedStreamMillis / 1000.0);
      list.add(entry);
    }
    return list;
  }
}
