// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import java.util.List;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;

/**
 * What analytics made of one frame.
 *
 * @param detections the detector's result when it ran on this frame, else null
 * @param events events raised on this frame
 * @param counts count summaries whose interval closed on this frame
 * @param analyticsNanos time spent in analytics itself (motion gate, tracker, rules), detector
 *     excluded
 */
public record AnalyticsResult(
    DetectionResult detections,
    List<Event> events,
    List<CountSummary> counts,
    long analyticsNanos) {
  public AnalyticsResult {
    events = List.copyOf(events);
    counts = List.copyOf(counts);
  }

  public boolean detectorRan() {
    return detections != null;
  }
}
