// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Changes the model behind the {@link Detector} service while the pipelines keep calling it: a
 * candidate is loaded and warmed up beside the active model, checked, then made active between two
 * calls. Provided by the detector's bundle, used by the model manager.
 */
@ProviderType
public interface ModelSwitch {

  /**
   * Loads a model into a standby engine of its own (verified against its manifest's hashes, loaded
   * in the runtime, warmed up); it serves no pipeline until {@link #activate}d. The caller closes
   * what it does not activate.
   *
   * @param manifest the model's manifest.json, its files beside it
   * @throws ModelLoadException with the reason when the model cannot be loaded
   */
  LoadedModel load(Path manifest) throws ModelLoadException;

  /**
   * The model serving the pipelines now, or null while the detector is down. Not to be closed by
   * the caller.
   */
  LoadedModel active();

  /**
   * Makes a loaded model the one every following detect call uses. Calls already running finish on
   * the previous model; none is refused or dropped.
   *
   * @return the previous active model, still loaded (for an instant rollback), or null; the caller
   *     closes it
   * @throws IllegalArgumentException if the model was not loaded by this switch or is closed
   */
  LoadedModel activate(LoadedModel model);

  /** What the active model has done since it was activated. */
  ServingStats servingStats();
}
