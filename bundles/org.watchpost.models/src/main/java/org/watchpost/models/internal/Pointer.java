// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.models.packaging.PackageManifest;
import org.watchpost.models.packaging.PackageRejectedException;
import org.watchpost.models.packaging.Rejection;
import org.watchpost.models.packaging.SemanticVersion;
import org.watchpost.models.packaging.TrustedKeys;

/**
 * The pointer file ({@code state.json}) and its copy in memory: what is active, previous, a
 * candidate, in probation, the version floors, the validations and the history; with the release
 * keys the slots are checked against and the factory model to fall back to. Every change of what
 * runs is written here first.
 *
 * <p>Threads: the worker only; {@link #state()} checks it, so no other thread reads a half-made
 * change.
 */
final class Pointer {
  private static final Logger LOG = LoggerFactory.getLogger(Pointer.class);
  static final String PASSED = "passed";

  private final StateFile<DeviceState> file;
  private final WorkQueue work;
  private DeviceState state;
  private TrustedKeys keys = TrustedKeys.of();
  private String factoryManifest;

  Pointer(StateFile<DeviceState> file, WorkQueue work) {
    this.file = file;
    this.work = work;
  }

  /** The state in memory; null before {@link #load}. */
  DeviceState state() {
    work.checkWorker();
    return state;
  }

  /** Reads the pointer file (a fresh state when there is none). */
  void load() throws IOException {
    work.checkWorker();
    state = file.read();
    if (state == null) {
      state = new DeviceState();
    }
  }

  /** Writes the state through (fsync) before anything acts on it. */
  void write() throws IOException {
    work.checkWorker();
    file.write(state);
  }

  /** {@link #write}, with a failure logged: for records whose loss changes nothing that runs. */
  void writeQuietly() {
    try {
      write();
    } catch (IOException e) {
      LOG.error("cannot write the pointer file: {}", e.getMessage());
    }
  }

  TrustedKeys keys() {
    return keys;
  }

  void keys(TrustedKeys keys) {
    work.checkWorker();
    this.keys = keys;
  }

  String factoryManifest() {
    return factoryManifest;
  }

  void factoryManifest(String manifest) {
    work.checkWorker();
    this.factoryManifest = manifest;
  }

  static DeviceState.HistoryEntry history(
      String jobId, DeviceState.Installed model, String event, String reason) {
    return new DeviceState.HistoryEntry(
        System.currentTimeMillis(),
        jobId,
        model == null ? null : model.name,
        model == null ? null : model.version,
        event,
        reason);
  }

  void recordValidation(String packageSha256, String outcome) {
    state().validated(packageSha256, outcome);
    writeQuietly();
  }

  void raiseFloor(DeviceState.Installed model) {
    if (model == null || model.name == null || model.version == null) {
      return;
    }
    String floor = state().floors.get(model.name);
    try {
      if (floor == null
          || SemanticVersion.parse(model.version).compareTo(SemanticVersion.parse(floor)) > 0) {
        state.floors.put(model.name, model.version);
      }
    } catch (IllegalArgumentException e) {
      LOG.warn("version {} of {} is not semantic; floor unchanged", model.version, model.name);
    }
  }

  /**
   * A rollback (the device's own, or with a token) lowers the floor of the model it left to the one
   * it goes to.
   */
  void lowerFloor(DeviceState.Installed from, ModelInfo to) {
    if (from != null && from.name != null && to != null && from.name.equals(to.name())) {
      state().floors.put(from.name, to.version());
    }
  }

  /**
   * A candidate validated before a newer model was activated must not go below the floor raised
   * since.
   */
  void checkFloor(PackageManifest manifest) throws PackageRejectedException {
    String floor = state().floors.get(manifest.name());
    if (floor != null && manifest.semanticVersion().compareTo(SemanticVersion.parse(floor)) < 0) {
      throw new PackageRejectedException(
          Rejection.DOWNGRADE,
          manifest.name()
              + " "
              + manifest.version()
              + " is below this device's version floor "
              + floor);
    }
  }
}
