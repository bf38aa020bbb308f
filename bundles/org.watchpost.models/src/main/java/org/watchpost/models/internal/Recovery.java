// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.detect.LoadedModel;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.models.packaging.PackageManifest;
import org.watchpost.models.packaging.PackageRejectedException;
import org.watchpost.models.packaging.Rejection;
import org.watchpost.models.packaging.TrustedKeys;
import org.watchpost.models.protocol.ModelProtocol.Status;

/**
 * At start: reads the release keys and the pointer file, counts a restart in probation (too many
 * roll back), and puts the model the pointer names in place, else the one before it, else the
 * factory model.
 *
 * <p>Threads: the worker only, once, before any request is taken.
 */
final class Recovery {
  private static final Logger LOG = LoggerFactory.getLogger(Recovery.class);

  private final ModelsSettings settings;
  private final ModelSwitch modelSwitch;
  private final SlotStore slots;
  private final Pointer pointer;
  private final Probation probation;
  private final Notifier notifier;
  private final Refusals refusals;
  private final WorkQueue work;

  Recovery(
      ModelsSettings settings,
      ModelSwitch modelSwitch,
      SlotStore slots,
      Pointer pointer,
      Probation probation,
      Notifier notifier,
      Refusals refusals,
      WorkQueue work) {
    this.settings = settings;
    this.modelSwitch = modelSwitch;
    this.slots = slots;
    this.pointer = pointer;
    this.probation = probation;
    this.notifier = notifier;
    this.refusals = refusals;
    this.work = work;
  }

  void recover() throws IOException {
    work.checkWorker();
    TrustedKeys keys;
    try {
      keys = TrustedKeys.load(settings.trustedKeys());
      for (String skipped : keys.skipped()) {
        LOG.error("trusted key skipped: {}", skipped);
      }
      refusals.keysSkipped(keys.skipped().size());
    } catch (IOException e) {
      // The recorded model is still put back in place; what cannot be checked is not loaded
      // (factory model).
      LOG.error("trusted keys unreadable: {}", e.getMessage());
      keys = TrustedKeys.of();
    }
    pointer.keys(keys);
    if (keys.isEmpty()) {
      LOG.warn("no trusted keys in {}: every package will be rejected", settings.trustedKeys());
    }
    slots.cleanUp();
    pointer.load();
    DeviceState state = pointer.state();
    LoadedModel running = modelSwitch.active();
    // At start the detector runs the model it is configured with: that is the factory model to fall
    // back to.
    if (running != null
        && !Path.of(running.manifest())
            .toAbsolutePath()
            .startsWith(settings.stateDir().resolve("slots").toAbsolutePath())) {
      state.factoryManifest = running.manifest();
    }
    pointer.factoryManifest(state.factoryManifest);
    if (state.probation != null) {
      state.probation.restarts++;
      if (state.probation.restarts > settings.probationMaxRestarts()) {
        String reason =
            "the device restarted "
                + state.probation.restarts
                + " times while "
                + state.active
                + " was in probation";
        LOG.warn("rolling back: {}", reason);
        state.record(Pointer.history(state.probation.job, state.active, "rolled_back", reason));
        notifier.status(
            state.probation.requester,
            state.probation.job,
            Status.ROLLED_BACK,
            state.active,
            Rejection.PROBATION_FAILED,
            reason);
        if (state.previous != null
            && state.active != null
            && state.active.name != null
            && state.active.name.equals(state.previous.name)
            && state.previous.version != null) {
          state.floors.put(state.active.name, state.previous.version);
        }
        state.active = state.previous;
        state.previous = null;
        state.probation = null;
      }
    }
    if (state.floors == null) {
      state.floors = new java.util.TreeMap<>();
    }
    if (state.validation == null) {
      state.validation = new java.util.LinkedHashMap<>();
    }
    // A device updated from a firmware without floors starts with the one of the model it runs.
    if (state.active != null && !state.floors.containsKey(state.active.name)) {
      pointer.raiseFloor(state.active);
    }
    pointer.write();
    runRecordedModel();
    if (state.probation != null) {
      probation.startTicks();
    }
  }

  /** Runs the model the pointer names, else the one before it, else the factory model. */
  private void runRecordedModel() throws IOException {
    DeviceState state = pointer.state();
    LoadedModel running = modelSwitch.active();
    for (DeviceState.Installed choice :
        new DeviceState.Installed[] {state.active, state.previous}) {
      if (choice == null || choice.factory()) {
        break;
      }
      try {
        PackageManifest manifest = slots.verify(choice.slot, pointer.keys());
        if (running != null
            && running
                .info()
                .equals(
                    new ModelInfo(manifest.name(), manifest.version(), manifest.model().sha256()))
            && running.manifest().equals(slots.manifest(choice.slot).toString())) {
          return;
        }
        LoadedModel loaded = modelSwitch.load(slots.manifest(choice.slot));
        LoadedModel replaced = modelSwitch.activate(loaded);
        if (replaced != null) {
          replaced.close();
        }
        if (choice != state.active) {
          state.record(
              Pointer.history(
                  null,
                  state.active,
                  "rolled_back",
                  "slot " + state.active.slot + " failed its check at start"));
          state.active = choice;
          state.previous = null;
          state.probation = null;
          pointer.write();
        }
        LOG.info("running {} from slot {}", choice, choice.slot);
        return;
      } catch (PackageRejectedException | ModelLoadException e) {
        LOG.error("cannot run {}: {}", choice, e.getMessage());
      }
    }
    String factoryManifest = pointer.factoryManifest();
    if (state.active != null && !state.active.factory()) {
      state.record(
          Pointer.history(
              null,
              state.active,
              "rolled_back",
              "no slot passed its check at start; factory model"));
      state.active = null;
      state.previous = null;
      state.probation = null;
      pointer.write();
      if (factoryManifest != null
          && (running == null || !running.manifest().equals(factoryManifest))) {
        try {
          LoadedModel replaced = modelSwitch.activate(modelSwitch.load(Path.of(factoryManifest)));
          if (replaced != null) {
            replaced.close();
          }
        } catch (ModelLoadException e) {
          LOG.error("the factory model cannot run either: {}", e.getMessage());
        }
      }
    }
  }
}
