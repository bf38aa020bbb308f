// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.watchpost.api.detect.Detection;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.ModelInfo;

/**
 * What one camera's pipeline did: counts and per-stage durations. Written by the pipeline thread
 * only.
 */
final class PipelineStats {
  /** Enough for a day at 10 fps of medians that move with the present. */
  private static final int SAMPLES_KEPT = 100_000;

  final Samples decode = new Samples(SAMPLES_KEPT);
  final Samples preprocess = new Samples(SAMPLES_KEPT);
  final Samples inference = new Samples(SAMPLES_KEPT);
  final Samples postprocess = new Samples(SAMPLES_KEPT);
  final Samples analytics = new Samples(SAMPLES_KEPT);
  private final Map<String, Long> detectionsByClass = new TreeMap<>();
  private volatile long frames;
  private volatile long inferredFrames;
  private volatile long eventsPublished;
  private volatile long countsPublished;
  private int maxPersonsInFrame;
  private volatile ModelInfo model;
  private volatile long firstFrameNanos;
  private volatile long lastFrameNanos;

  void frame(long decodeNanos) {
    long now = System.nanoTime();
    if (frames == 0) {
      firstFrameNanos = now;
    }
    lastFrameNanos = now;
    frames++;
    decode.add(decodeNanos);
  }

  void detected(DetectionResult result) {
    inferredFrames++;
    model = result.model();
    preprocess.add(result.preprocessNanos());
    inference.add(result.inferenceNanos());
    postprocess.add(result.postprocessNanos());
    int persons = 0;
    synchronized (detectionsByClass) {
      for (Detection detection : result.detections()) {
        detectionsByClass.merge(detection.label(), 1L, Long::sum);
        if (detection.label().equals("person")) {
          persons++;
        }
      }
    }
    maxPersonsInFrame = Math.max(maxPersonsInFrame, persons);
  }

  void analytics(long nanos) {
    analytics.add(nanos);
  }

  void published(int events, int counts) {
    eventsPublished += events;
    countsPublished += counts;
  }

  long frames() {
    return frames;
  }

  long inferredFrames() {
    return inferredFrames;
  }

  long eventsPublished() {
    return eventsPublished;
  }

  ModelInfo model() {
    return model;
  }

  /** Seconds from the first frame taken to the last. */
  double durationSeconds() {
    return frames == 0 ? 0 : (lastFrameNanos - firstFrameNanos) / 1e9;
  }

  Map<String, Long> detectionsByClass() {
    synchronized (detectionsByClass) {
      return new TreeMap<>(detectionsByClass);
    }
  }

  int maxPersonsInFrame() {
    return maxPersonsInFrame;
  }

  long countsPublished() {
    return countsPublished;
  }

  Map<String, Object> stageMedians() {
    Map<String, Object> medians = new LinkedHashMap<>();
    medians.put("decode", millis(decode.median()));
    medians.put("preprocess", millis(preprocess.median()));
    medians.put("inference", millis(inference.median()));
    medians.put("postprocess", millis(postprocess.median()));
    medians.put("analytics", millis(analytics.median()));
    return medians;
  }

  static Double millis(double nanos) {
    return Double.isNaN(nanos) ? null : Math.round(nanos / 1e4) / 100.0;
  }
}
