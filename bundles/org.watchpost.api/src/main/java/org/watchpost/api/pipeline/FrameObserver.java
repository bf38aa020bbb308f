// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import org.osgi.annotation.versioning.ConsumerType;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.SourceStatus;

/**
 * Sees every frame a camera's pipeline takes (camera health). Called on the pipeline thread: it
 * must be quick and must not keep or close the frame.
 */
@ConsumerType
public interface FrameObserver {

  void onFrame(Frame frame);

  /** Called on the pipeline thread about once a second, also while no frames arrive. */
  void onSourceStatus(String cameraId, SourceStatus status, long nowMillis);
}
