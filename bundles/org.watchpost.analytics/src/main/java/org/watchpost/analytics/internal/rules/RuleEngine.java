// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.watchpost.analytics.internal.track.Box;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.NormalizedBox;

/**
 * Evaluates one camera's rules on the confirmed tracks of every frame and keeps their state: who is
 * inside which zone since when, which side of a line, which events were raised (one per track per
 * rule, again only after the cooldown and after the track left and came back), and the counts of
 * the running interval.
 */
public final class RuleEngine {
  /**
   * A line side counts only this far (normalised) from the line, so that jitter on the line is no
   * crossing.
   */
  static final double LINE_BAND = 0.01;

  private final String cameraId;
  private final Map<String, RuleState> states = new LinkedHashMap<>();
  private long changes;
  private boolean armed = true;
  private long wallOffsetMillis;

  public record Outcome(List<Event> events, List<CountSummary> counts) {}

  public RuleEngine(String cameraId) {
    this.cameraId = cameraId;
  }

  /** Replaces the rule set; rules that did not change keep their state. */
  public void rules(List<Rule> rules) {
    Map<String, RuleState> next = new LinkedHashMap<>();
    for (Rule r : rules) {
      if (!r.appliesTo(cameraId) || r.type() == RuleType.MOTION_MASK) {
        continue;
      }
      RuleState old = states.get(r.id());
      next.put(r.id(), old != null && old.rule.equals(r) ? old : new RuleState(r));
    }
    states.clear();
    states.putAll(next);
  }

  public List<Rule> rules() {
    return states.values().stream().map(s -> s.rule).toList();
  }

  /**
   * How far the wall clock is ahead of the times this engine is given: schedules are about the time
   * of day, so they read the wall clock; every other timer runs on the monotonic time given.
   */
  public void wallOffset(long millis) {
    wallOffsetMillis = millis;
  }

  public Outcome evaluate(
      List<TrackSnapshot> tracks, long nowMillis, int frameWidth, int frameHeight) {
    List<Event> events = new ArrayList<>();
    List<CountSummary> counts = new ArrayList<>();
    for (RuleState s : states.values()) {
      s.rollInterval(nowMillis, counts);
      s.evaluate(tracks, nowMillis, frameWidth, frameHeight, events);
    }
    return new Outcome(events, counts);
  }

  /** The counts of the running intervals up to now, as partial intervals: the source ended. */
  public List<CountSummary> flushCounts(long nowMillis) {
    List<CountSummary> counts = new ArrayList<>();
    for (RuleState s : states.values()) {
      if (s.rule.countIntervalMillis() > 0
          && s.intervalStart != Long.MIN_VALUE
          && nowMillis > s.intervalFrom) {
        counts.add(new CountSummary(cameraId, s.rule.id(), s.intervalFrom, nowMillis, s.interval));
        s.startInterval(nowMillis, nowMillis);
      }
    }
    return counts;
  }

  /** Disarmed rules keep counting and following tracks but raise no events. */
  public void armed(boolean armed) {
    this.armed = armed;
  }

  public boolean armed() {
    return armed;
  }

  /**
   * Zeroes every rule's totals and the interval in progress, which goes on from {@code nowMillis};
   * objects already counted in a zone in this interval are counted again when seen.
   */
  public void resetCounts(long nowMillis) {
    for (RuleState s : states.values()) {
      s.reset(nowMillis);
    }
    changes++;
  }

  /** Grows whenever a total changes, so that a reader can tell when to copy them. */
  public long changes() {
    return changes;
  }

  /** Counts of every rule since it started, for the run summary. */
  public Map<String, Map<String, Long>> totals() {
    Map<String, Map<String, Long>> totals = new TreeMap<>();
    for (RuleState s : states.values()) {
      if (!s.totals.isEmpty()) {
        totals.put(s.rule.id(), new TreeMap<>(s.totals));
      }
    }
    return totals;
  }

  private static final class PerTrack {
    boolean inside;
    long enteredMillis;
    long lastEventMillis = Long.MIN_VALUE;
    boolean leftSinceEvent;
    int side;
    double sideX;
    double sideY;
  }

  private final class RuleState {
    final Rule rule;
    final Map<Long, PerTrack> perTrack = new HashMap<>();
    final Map<String, Long> totals = new TreeMap<>();
    long intervalStart = Long.MIN_VALUE;
    long intervalFrom;
    Map<String, Long> interval = new TreeMap<>();
    final Set<Long> seenInInterval = new HashSet<>();
    long crowdSince = Long.MIN_VALUE;
    boolean crowdActive;
    long crowdLastEvent = Long.MIN_VALUE;

    RuleState(Rule rule) {
      this.rule = rule;
    }

    void rollInterval(long now, List<CountSummary> out) {
      long length = rule.countIntervalMillis();
      if (length <= 0) {
        return;
      }
      long aligned = Math.floorDiv(now, length) * length;
      if (intervalStart == Long.MIN_VALUE) {
        startInterval(aligned, now);
        return;
      }
      if (now >= intervalStart + length) {
        out.add(
            new CountSummary(cameraId, rule.id(), intervalFrom, intervalStart + length, interval));
        startInterval(aligned, aligned);
      }
    }

    void reset(long now) {
      totals.clear();
      if (intervalStart != Long.MIN_VALUE) {
        startInterval(intervalStart, Math.max(intervalFrom, now));
      }
    }

    private void startInterval(long aligned, long from) {
      intervalStart = aligned;
      intervalFrom = from;
      interval = new TreeMap<>();
      seenInInterval.clear();
      for (String c : rule.classes()) {
        if (rule.type() == RuleType.LINE_CROSSING) {
          interval.put(c + ".in", 0L);
          interval.put(c + ".out", 0L);
        } else {
          interval.put(c, 0L);
          interval.put(c + ".peak", 0L);
        }
      }
    }

    private void count(String key) {
      changes++;
      totals.merge(key, 1L, Long::sum);
      if (rule.countIntervalMillis() > 0) {
        interval.merge(key, 1L, Long::sum);
      }
    }

    void evaluate(List<TrackSnapshot> tracks, long now, int w, int h, List<Event> out) {
      boolean armed =
          RuleEngine.this.armed && rule.schedule().armed(now + wallOffsetMillis, rule.timeZone());
      Set<Long> present = new HashSet<>();
      Map<String, Long> occupancy = new HashMap<>();
      List<TrackSnapshot> crowd = new ArrayList<>();
      for (TrackSnapshot t : tracks) {
        if (!rule.classes().contains(t.label())) {
          continue;
        }
        present.add(t.id());
        PerTrack p = perTrack.computeIfAbsent(t.id(), id -> new PerTrack());
        double ax = (t.box().x1() + t.box().x2()) / 2 / w;
        double ay = t.box().y2() / h;
        if (rule.type() == RuleType.LINE_CROSSING) {
          line(t, p, ax, ay, now, w, h, out);
          continue;
        }
        if (t.detected()) {
          boolean inside = rule.zone().contains(ax, ay);
          if (inside && !p.inside) {
            p.enteredMillis = now;
          }
          if (!inside && p.lastEventMillis != Long.MIN_VALUE) {
            p.leftSinceEvent = true;
          }
          p.inside = inside;
        }
        if (!p.inside || !t.moved()) {
          continue;
        }
        occupancy.merge(t.label(), 1L, Long::sum);
        if (seenInInterval.add(t.id()) && rule.countIntervalMillis() > 0) {
          interval.merge(t.label(), 1L, Long::sum);
        }
        if (rule.type() == RuleType.ZONE_INTRUSION
            && armed
            && t.detected()
            && !t.stationary()
            && mayRaise(p, now)) {
          p.lastEventMillis = now;
          p.leftSinceEvent = false;
          totals.merge("events", 1L, Long::sum);
          changes++;
          out.add(event(t, now, w, h, Map.of()));
        } else if (rule.type() == RuleType.LOITERING
            && armed
            && now - p.enteredMillis >= rule.dwellMillis()
            && mayRaise(p, now)) {
          p.lastEventMillis = now;
          p.leftSinceEvent = false;
          totals.merge("events", 1L, Long::sum);
          changes++;
          out.add(
              event(
                  t, now, w, h, Map.of("dwell_s", Long.toString((now - p.enteredMillis) / 1000))));
        } else if (rule.type() == RuleType.CROWD) {
          crowd.add(t);
        }
      }
      perTrack.keySet().retainAll(present);
      if (rule.countIntervalMillis() > 0) {
        for (Map.Entry<String, Long> e : occupancy.entrySet()) {
          interval.merge(e.getKey() + ".peak", e.getValue(), Math::max);
        }
      }
      if (rule.type() == RuleType.CROWD) {
        crowd(crowd, armed, now, w, h, out);
      }
    }

    private boolean mayRaise(PerTrack p, long now) {
      return p.lastEventMillis == Long.MIN_VALUE
          || (p.leftSinceEvent && now - p.lastEventMillis >= rule.cooldownMillis());
    }

    private void line(
        TrackSnapshot t,
        PerTrack p,
        double ax,
        double ay,
        long now,
        int w,
        int h,
        List<Event> out) {
      if (!t.detected() || t.stationary()) {
        return;
      }
      Point a = rule.line().get(0);
      Point b = rule.line().get(1);
      double distance = Segments.side(a, b, ax, ay) / Math.hypot(b.x() - a.x(), b.y() - a.y());
      int side = distance >= LINE_BAND ? 1 : distance <= -LINE_BAND ? -1 : 0;
      if (side == 0 || side == p.side) {
        return;
      }
      if (p.side != 0 && Segments.intersect(a, b, new Point(p.sideX, p.sideY), new Point(ax, ay))) {
        boolean inward = p.side < 0;
        count(t.label() + (inward ? ".in" : ".out"));
        if (RuleEngine.this.armed
            && rule.direction().raises(inward)
            && (p.lastEventMillis == Long.MIN_VALUE
                || now - p.lastEventMillis >= rule.cooldownMillis())) {
          p.lastEventMillis = now;
          totals.merge("events", 1L, Long::sum);
          changes++;
          out.add(event(t, now, w, h, Map.of("direction", inward ? "in" : "out")));
        }
      }
      p.side = side;
      p.sideX = ax;
      p.sideY = ay;
    }

    private void crowd(
        List<TrackSnapshot> members, boolean armed, long now, int w, int h, List<Event> out) {
      if (members.size() < rule.minCount()) {
        crowdSince = Long.MIN_VALUE;
        crowdActive = false;
        return;
      }
      if (crowdSince == Long.MIN_VALUE) {
        crowdSince = now;
      }
      if (crowdActive
          || !armed
          || now - crowdSince < rule.dwellMillis()
          || (crowdLastEvent != Long.MIN_VALUE && now - crowdLastEvent < rule.cooldownMillis())) {
        return;
      }
      crowdActive = true;
      crowdLastEvent = now;
      totals.merge("events", 1L, Long::sum);
      changes++;
      Map<String, Integer> labels = new HashMap<>();
      float x1 = Float.MAX_VALUE,
          y1 = Float.MAX_VALUE,
          x2 = -Float.MAX_VALUE,
          y2 = -Float.MAX_VALUE;
      float score = 0;
      long firstSeen = Long.MAX_VALUE;
      StringBuilder ids = new StringBuilder();
      for (TrackSnapshot t : members) {
        labels.merge(t.label(), 1, Integer::sum);
        x1 = Math.min(x1, t.box().x1());
        y1 = Math.min(y1, t.box().y1());
        x2 = Math.max(x2, t.box().x2());
        y2 = Math.max(y2, t.box().y2());
        score += t.score();
        firstSeen = Math.min(firstSeen, t.firstSeenMillis());
        if (ids.length() < 200) {
          ids.append(ids.length() == 0 ? "" : ",").append(t.id());
        }
      }
      String label =
          labels.entrySet().stream()
              .max(Map.Entry.comparingByValue())
              .map(Map.Entry::getKey)
              .orElse("");
      out.add(
          new Event(
              rule.type().eventType(),
              rule.id(),
              cameraId,
              label,
              -1,
              score / members.size(),
              normalise(new Box(x1, y1, x2, y2), w, h),
              firstSeen,
              now,
              rule.priority(),
              Map.of(
                  "count",
                  Integer.toString(members.size()),
                  "track_ids",
                  ids.toString(),
                  "dwell_s",
                  Long.toString((now - crowdSince) / 1000)),
              null));
    }

    private Event event(TrackSnapshot t, long now, int w, int h, Map<String, String> attributes) {
      return new Event(
          rule.type().eventType(),
          rule.id(),
          cameraId,
          t.label(),
          t.id(),
          t.score(),
          normalise(t.box(), w, h),
          t.firstSeenMillis(),
          now,
          rule.priority(),
          attributes,
          null);
    }
  }

  static NormalizedBox normalise(Box b, int w, int h) {
    float x1 = clamp(b.x1() / w);
    float y1 = clamp(b.y1() / h);
    float x2 = clamp(b.x2() / w);
    float y2 = clamp(b.y2() / h);
    return new NormalizedBox(x1, y1, x2 - x1, y2 - y1);
  }

  private static float clamp(float v) {
    return Math.max(0, Math.min(1, v));
  }
}
