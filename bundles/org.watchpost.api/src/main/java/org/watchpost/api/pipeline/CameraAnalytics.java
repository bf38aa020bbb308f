package org.watchpost.api.pipeline;

import org.watchpost.api.detect.Detector;
import org.watchpost.api.frame.Frame;

/**
 * One camera's analytics: decides whether the detector runs on a frame, tracks what it finds and
 * evaluates the rules. Called from that camera's pipeline thread only.
 */
public interface CameraAnalytics extends AutoCloseable {

  AnalyticsResult process(Frame frame, Detector detector);

  @Override
  void close();
}
