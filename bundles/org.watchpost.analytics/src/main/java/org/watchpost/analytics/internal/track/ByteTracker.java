// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.track;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.watchpost.api.detect.Detection;

/**
 * Multi-object tracker in the manner of ByteTrack: high-score detections are matched to confirmed
 * and lost tracks first, the low-score rest only keeps confirmed tracks alive (an occluded person
 * scores low), then tentative tracks take what is left and unmatched confident detections start new
 * ones. Costs are 1 - IoU of the Kalman-predicted box, both grown by a buffer. A detector run may
 * cover only a region of the frame; tracks outside it are neither matched nor counted as missed.
 */
public final class ByteTracker {
  /**
   * Boxes are compared grown by this share of their size (buffered IoU, as in C-BIoU): a person who
   * walks fast or whose prediction is a little off still overlaps their own detection.
   */
  private static final float BUFFER = 0.3f;

  /** Lost tracks have coasted longer and are less sure of where they are. */
  private static final float LOST_BUFFER = 0.5f;

  private final TrackerSettings settings;
  private final List<Track> tracks = new ArrayList<>();
  private long nextId = 1;
  private long confirmedTotal;

  public ByteTracker(TrackerSettings settings) {
    this.settings = settings;
  }

  /**
   * Moves every track to its predicted place at this frame's time and drops tracks lost for too
   * long.
   */
  public void predict(long nowMillis) {
    Iterator<Track> it = tracks.iterator();
    while (it.hasNext()) {
      Track t = it.next();
      t.predict(nowMillis);
      if (t.state() == TrackState.LOST && nowMillis - t.lastDetectedMillis() > maxLost(t)) {
        t.state(TrackState.REMOVED);
        it.remove();
      }
    }
  }

  private long maxLost(Track t) {
    return t.stationary() ? settings.stationaryMaxLostMillis() : settings.maxLostMillis();
  }

  /**
   * Folds in one detector run.
   *
   * @param detections what the detector found, whole-frame pixels
   * @param coverage the part of the frame the detector looked at, or null for the whole frame
   */
  public void update(List<Detection> detections, Box coverage, long nowMillis) {
    predict(nowMillis);
    List<Detection> high = new ArrayList<>();
    List<Detection> low = new ArrayList<>();
    for (Detection d : detections) {
      (d.score() >= settings.highScore() ? high : low).add(d);
    }
    List<Track> believed = new ArrayList<>();
    List<Track> tentative = new ArrayList<>();
    for (Track t : tracks) {
      if (coverage != null && t.box().coveredBy(coverage) < 0.99f) {
        continue;
      }
      (t.state() == TrackState.TENTATIVE ? tentative : believed).add(t);
    }

    // First association: believed tracks (confirmed, lost) with high detections.
    List<Track> unmatchedBelieved = new ArrayList<>();
    high = associate(believed, high, settings.matchIou(), unmatchedBelieved, nowMillis);
    // Second: confirmed tracks that are still unmatched, with the low detections.
    List<Track> confirmedLeft = new ArrayList<>();
    List<Track> lostLeft = new ArrayList<>();
    for (Track t : unmatchedBelieved) {
      (t.state() == TrackState.CONFIRMED ? confirmedLeft : lostLeft).add(t);
    }
    List<Track> missed = new ArrayList<>(lostLeft);
    associate(confirmedLeft, low, settings.lowMatchIou(), missed, nowMillis);
    // Third: tentative tracks with the high detections left.
    List<Track> tentativeMissed = new ArrayList<>();
    high = associate(tentative, high, settings.tentativeMatchIou(), tentativeMissed, nowMillis);

    for (Track t : missed) {
      if (t.state() == TrackState.CONFIRMED) {
        t.state(TrackState.LOST);
      } else if (nowMillis - t.lastDetectedMillis() > maxLost(t)) {
        t.state(TrackState.REMOVED);
      }
    }
    for (Track t : tentativeMissed) {
      t.state(TrackState.REMOVED);
    }
    tracks.removeIf(t -> t.state() == TrackState.REMOVED);
    for (Detection d : high) {
      if (d.score() >= settings.newTrackScore()) {
        Track t = new Track(Box.of(d), d.label(), d.score(), nowMillis);
        tracks.add(t);
        if (settings.minHits() <= 1) {
          confirm(t);
        }
      }
    }
  }

  /**
   * Matches tracks to detections; returns the detections left unmatched and adds the unmatched
   * tracks to {@code missed}.
   */
  private List<Detection> associate(
      List<Track> candidates,
      List<Detection> detections,
      float minIou,
      List<Track> missed,
      long nowMillis) {
    if (candidates.isEmpty() || detections.isEmpty()) {
      missed.addAll(candidates);
      return detections;
    }
    double[][] cost = new double[candidates.size()][detections.size()];
    for (int i = 0; i < candidates.size(); i++) {
      Track t = candidates.get(i);
      float buffer = t.state() == TrackState.LOST ? LOST_BUFFER : BUFFER;
      Box predicted = t.box().expanded(buffer);
      for (int j = 0; j < detections.size(); j++) {
        cost[i][j] = 1 - predicted.iou(Box.of(detections.get(j)).expanded(buffer));
      }
    }
    int[] match = LinearAssignment.solve(cost, 1 - minIou);
    boolean[] taken = new boolean[detections.size()];
    for (int i = 0; i < candidates.size(); i++) {
      Track t = candidates.get(i);
      if (match[i] < 0) {
        missed.add(t);
        continue;
      }
      Detection d = detections.get(match[i]);
      taken[match[i]] = true;
      t.matched(Box.of(d), d.label(), d.score(), nowMillis, settings);
      if (t.state() == TrackState.LOST) {
        t.state(TrackState.CONFIRMED);
      } else if (t.state() == TrackState.TENTATIVE && t.hits() >= settings.minHits()) {
        confirm(t);
      }
    }
    List<Detection> left = new ArrayList<>();
    for (int j = 0; j < detections.size(); j++) {
      if (!taken[j]) {
        left.add(detections.get(j));
      }
    }
    return left;
  }

  private void confirm(Track t) {
    t.confirm(nextId++);
    confirmedTotal++;
  }

  /** Every track not yet removed, in creation order. */
  public List<Track> tracks() {
    return tracks;
  }

  /** Identities handed out since the tracker started. */
  public long confirmedTotal() {
    return confirmedTotal;
  }
}
