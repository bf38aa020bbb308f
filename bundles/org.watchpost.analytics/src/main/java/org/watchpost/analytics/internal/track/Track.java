// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.track;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/** One object followed over time. Mutated by the tracker only; read by the rules. */
public final class Track {
  private record Sample(long timeMillis, float cx, float cy, float height) {}

  private final KalmanBoxFilter filter;
  private final long firstSeenMillis;
  private final float birthX;
  private final float birthY;
  private final Map<String, Float> votes = new HashMap<>();
  private final ArrayDeque<Sample> recent = new ArrayDeque<>();
  private long id;
  private TrackState state = TrackState.TENTATIVE;
  private int hits = 1;
  private Box box;
  private long lastDetectedMillis;
  private long predictedMillis;
  private float score;
  private float travel;
  private boolean moved;
  private boolean stationary;
  private float stillX;
  private float stillY;
  private int motionSupport;

  Track(Box detected, String label, float score, long nowMillis) {
    this.filter = new KalmanBoxFilter(detected);
    this.box = detected;
    this.firstSeenMillis = nowMillis;
    this.lastDetectedMillis = nowMillis;
    this.predictedMillis = nowMillis;
    this.birthX = detected.centerX();
    this.birthY = detected.centerY();
    this.score = score;
    votes.merge(label, score, Float::sum);
    recent.add(new Sample(nowMillis, detected.centerX(), detected.centerY(), detected.height()));
  }

  void predict(long nowMillis) {
    if (nowMillis > predictedMillis) {
      filter.predict((nowMillis - predictedMillis) / 1000.0);
      predictedMillis = nowMillis;
      box = filter.box();
    }
  }

  void matched(
      Box detected, String label, float detectionScore, long nowMillis, TrackerSettings settings) {
    filter.update(detected);
    if (stationary) {
      filter.stop();
    }
    box = filter.box();
    hits++;
    lastDetectedMillis = nowMillis;
    score = 0.7f * score + 0.3f * detectionScore;
    votes.merge(label, detectionScore, Float::sum);
    float h = Math.max(1, detected.height());
    travel =
        Math.max(
            travel,
            (float) Math.hypot(detected.centerX() - birthX, detected.centerY() - birthY) / h);
    if (travel >= settings.minTravel()) {
      moved = true;
    }
    judgeStillness(detected, nowMillis, settings);
  }

  private void judgeStillness(Box detected, long nowMillis, TrackerSettings settings) {
    float h = Math.max(1, detected.height());
    if (stationary) {
      if (Math.hypot(detected.centerX() - stillX, detected.centerY() - stillY)
          > settings.stationaryRadius() * h * 2) {
        stationary = false;
        moved = true;
        recent.clear();
      } else {
        recent.add(
            new Sample(nowMillis, detected.centerX(), detected.centerY(), detected.height()));
        trim(nowMillis, settings);
        return;
      }
    }
    recent.add(new Sample(nowMillis, detected.centerX(), detected.centerY(), detected.height()));
    trim(nowMillis, settings);
    Sample oldest = recent.peekFirst();
    if (oldest == null
        || nowMillis - oldest.timeMillis() < settings.stationaryAfterMillis()
        || recent.size() < 3) {
      return;
    }
    float mx = 0;
    float my = 0;
    for (Sample s : recent) {
      mx += s.cx();
      my += s.cy();
    }
    mx /= recent.size();
    my /= recent.size();
    float radius = settings.stationaryRadius() * h;
    for (Sample s : recent) {
      if (Math.hypot(s.cx() - mx, s.cy() - my) > radius) {
        return;
      }
    }
    stationary = true;
    stillX = mx;
    stillY = my;
    filter.stop();
  }

  /**
   * Keeps the samples of the last stationary window, plus the one just before it so the window is
   * covered.
   */
  private void trim(long nowMillis, TrackerSettings settings) {
    long windowStart = nowMillis - settings.stationaryAfterMillis();
    while (recent.size() > 1) {
      var it = recent.iterator();
      it.next();
      if (it.next().timeMillis() <= windowStart) {
        recent.removeFirst();
      } else {
        break;
      }
    }
  }

  void state(TrackState next) {
    state = next;
  }

  void confirm(long assignedId) {
    this.id = assignedId;
    state = TrackState.CONFIRMED;
  }

  /** The motion gate saw this object move in place (it is not a painted sign). */
  public void motionSeen() {
    if (++motionSupport >= 3) {
      moved = true;
    }
  }

  /** Public identity; 0 while tentative. */
  public long id() {
    return id;
  }

  public TrackState state() {
    return state;
  }

  public int hits() {
    return hits;
  }

  /** The current (predicted or updated) box. */
  public Box box() {
    return box;
  }

  public long firstSeenMillis() {
    return firstSeenMillis;
  }

  public long lastDetectedMillis() {
    return lastDetectedMillis;
  }

  public float score() {
    return score;
  }

  /**
   * Has moved at least {@code min_travel} heights, or was seen moving by the motion gate: a real
   * object.
   */
  public boolean hasMoved() {
    return moved;
  }

  public boolean stationary() {
    return stationary;
  }

  public boolean live() {
    return state == TrackState.CONFIRMED || state == TrackState.LOST;
  }

  public double speed() {
    return stationary ? 0 : filter.speed();
  }

  /** The class with the largest summed score over the track's detections. */
  public String label() {
    String best = "";
    float bestVotes = -1;
    for (Map.Entry<String, Float> e : votes.entrySet()) {
      if (e.getValue() > bestVotes) {
        best = e.getKey();
        bestVotes = e.getValue();
      }
    }
    return best;
  }

  @Override
  public String toString() {
    return "Track["
        + id
        + " "
        + label()
        + " "
        + state
        + (stationary ? " stationary" : "")
        + " "
        + box
        + "]";
  }
}
