// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import org.osgi.annotation.versioning.ConsumerType;
import org.watchpost.api.frame.Frame;

/**
 * A local live view (the installer's page): each camera's pipeline offers it frames after
 * analytics, only when it asks for one. Register as a service; the pipeline picks taps up and drops
 * them as they come and go.
 *
 * <p>While nobody watches, {@link #wants} returns false and the pipeline does nothing else for the
 * tap: no copy, no encoding, no scene built. Both methods run on the camera's pipeline thread and
 * must be quick.
 */
@ConsumerType
public interface LiveTap {

  /** Whether this camera's current frame is wanted now (someone watches and a frame is due). */
  boolean wants(String cameraId);

  /**
   * This frame and what analytics made of it; called only after {@link #wants} said yes. Copy what
   * is needed: the frame is closed when this returns.
   */
  void offer(Frame frame, LiveScene scene);
}
