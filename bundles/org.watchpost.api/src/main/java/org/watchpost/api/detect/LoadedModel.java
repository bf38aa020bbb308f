// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

import org.osgi.annotation.versioning.ProviderType;
import org.watchpost.api.frame.Frame;

/** A model loaded by a {@link ModelSwitch}, active or standing by. */
@ProviderType
public interface LoadedModel extends AutoCloseable {

  ModelInfo info();

  /** The path of the manifest it was loaded from. */
  String manifest();

  /** Runs the model on one frame and describes its raw output as well as the detections. */
  ModelProbe probe(Frame frame) throws DetectorUnavailableException;

  /**
   * Frees the runtime session; waits for calls in progress. Idempotent. Never closes the active
   * model.
   */
  @Override
  void close();
}
