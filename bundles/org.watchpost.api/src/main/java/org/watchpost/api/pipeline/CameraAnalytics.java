// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import org.osgi.annotation.versioning.ProviderType;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.frame.Frame;

/**
 * One camera's analytics: decides whether the detector runs on a frame, tracks what it finds and
 * evaluates the rules. Called from that camera's pipeline thread only.
 */
@ProviderType
public interface CameraAnalytics extends AutoCloseable {

  AnalyticsResult process(Frame frame, Detector detector);

  /**
   * The end of a finite source (a recording, a frame limit): closes what is still open (incidents,
   * the running count interval) and returns the events and counts that closing produces.
   *
   * @param captureEpochMillis capture time of the last frame
   */
  default AnalyticsResult finish(long captureEpochMillis) {
    return new AnalyticsResult(null, java.util.List.of(), java.util.List.of(), 0);
  }

  /**
   * What analytics sees after the last {@link #process} call, for a live view; built only when
   * asked, on the pipeline thread.
   */
  default LiveScene liveScene() {
    return LiveScene.EMPTY;
  }

  @Override
  void close();
}
