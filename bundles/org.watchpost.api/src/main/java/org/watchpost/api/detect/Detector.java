// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

import org.osgi.annotation.versioning.ProviderType;
import org.watchpost.api.frame.Frame;

/**
 * The object detector. One instance serves every camera on the device; calls may come from several
 * pipeline threads.
 */
@ProviderType
public interface Detector {

  /** Detects objects in the whole frame. */
  DetectionResult detect(Frame frame) throws DetectorUnavailableException;

  /**
   * Detects objects in one region of the frame at model resolution (for small, far objects). Boxes
   * are returned in whole-frame pixels.
   */
  DetectionResult detect(Frame frame, Region region) throws DetectorUnavailableException;

  DetectorStatus status();
}
