// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.detect.LoadedModel;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.api.detect.ServingStats;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.Response;
import org.watchpost.models.packaging.PackageManifest;
import org.watchpost.models.packaging.PackageRejectedException;
import org.watchpost.models.packaging.Rejection;
import org.watchpost.models.protocol.ModelProtocol.Status;

/**
 * Activation, probation and rollback: switches the detector to a validated model (pointer first),
 * watches it for {@code probation} and goes back to the previous model when it fails.
 *
 * <p>Threads: the worker only ({@link WorkQueue#checkWorker()} on entry); the probation timer only
 * queues a tick. Owns the previous model kept loaded for a fast rollback ({@link #previousLoaded})
 * and the tick timer.
 */
final class Probation {
  private static final Logger LOG = LoggerFactory.getLogger(Probation.class);

  private final ModelsSettings settings;
  private final ModelSwitch modelSwitch;
  private final SlotStore slots;
  private final Pointer pointer;
  private final Notifier notifier;
  private final WorkQueue work;
  private final Snapshot snapshot;
  private LoadedModel previousLoaded;
  private ScheduledFuture<?> ticks;

  Probation(
      ModelsSettings settings,
      ModelSwitch modelSwitch,
      SlotStore slots,
      Pointer pointer,
      Notifier notifier,
      WorkQueue work,
      Snapshot snapshot) {
    this.settings = settings;
    this.modelSwitch = modelSwitch;
    this.slots = slots;
    this.pointer = pointer;
    this.notifier = notifier;
    this.work = work;
    this.snapshot = snapshot;
  }

  void activate(
      LoadedModel candidate,
      DeviceState.Installed installed,
      String jobId,
      String requester,
      double validationActiveMillis)
      throws IOException {
    work.checkWorker();
    DeviceState state = pointer.state();
    ServingStats before = modelSwitch.servingStats();
    double measured =
        before.calls() >= settings.probationMinCalls()
            ? before.p50Millis()
            : validationActiveMillis;
    // EXEC activate has no validation figure: without serving calls there is no baseline (0 skips
    // the latency
    // check). NaN would not even reach the pointer file: JSON has no NaN.
    double baseline = Double.isFinite(measured) ? measured : 0;
    ModelInfo running = notifier.activeInfo();
    DeviceState.Installed previous =
        state.active != null
            ? state.active
            : running == null
                ? null
                : new DeviceState.Installed(
                    null, running.name(), running.version(), running.sha256(), null);
    DeviceState.Probation probation = new DeviceState.Probation();
    probation.job = jobId;
    probation.requester = requester;
    probation.untilMillis = System.currentTimeMillis() + settings.probation().toMillis();
    probation.baselineMillis = baseline;
    installed.activatedMillis = System.currentTimeMillis();
    state.previous = previous;
    state.active = installed;
    state.candidate = null;
    state.probation = probation;
    pointer.raiseFloor(installed);
    pointer.write();
    CrashPoints.reach("pointer-written");
    LoadedModel replaced = modelSwitch.activate(candidate);
    CrashPoints.reach("activated");
    if (previousLoaded != null) {
      previousLoaded.close();
    }
    previousLoaded = replaced;
    state.record(
        Pointer.history(
            jobId, installed, "activated", previous == null ? "" : "replacing " + previous));
    pointer.write();
    startTicks();
  }

  void startTicks() {
    work.checkWorker();
    if (ticks != null) {
      ticks.cancel(false);
    }
    long period = Math.max(200, Math.min(1_000, settings.probation().toMillis() / 10));
    ticks = work.every(() -> work.internal(this::tick), period);
  }

  private void tick() {
    DeviceState state = pointer.state();
    DeviceState.Probation p = state.probation;
    if (p == null) {
      stopTicks();
      return;
    }
    ServingStats stats = modelSwitch.servingStats();
    String failure = null;
    if (stats.model() == null) {
      failure = "the detector is down: " + stats.lastError();
    } else if (!stats.model().sha256().equals(state.active.sha256)) {
      failure = null;
      LOG.warn(
          "another model ({}) was activated during the probation of {}; probation ends",
          stats.model(),
          state.active);
      end();
      return;
    } else {
      long total = stats.calls() + stats.errors();
      if (total >= settings.probationMinCalls()
          && stats.errors() > settings.probationMaxErrorRate() * total) {
        failure =
            String.format(
                Locale.ROOT,
                "%d of %d detector calls failed in probation (more than %.0f%%), last: %s",
                stats.errors(),
                total,
                100 * settings.probationMaxErrorRate(),
                stats.lastError());
      } else if (stats.calls() >= settings.probationMinCalls()
          && p.baselineMillis > 0
          && stats.p50Millis() > settings.latencyFactor() * p.baselineMillis) {
        failure =
            String.format(
                Locale.ROOT,
                "median detector time %.1f ms in probation, more than %.1fx the %.1f ms "
                    + "of the model before",
                stats.p50Millis(),
                settings.latencyFactor(),
                p.baselineMillis);
      }
    }
    if (failure != null) {
      rollback(Rejection.PROBATION_FAILED, failure);
    } else if (System.currentTimeMillis() >= p.untilMillis) {
      LOG.info(
          "{} passed probation ({} calls, {} errors, median {} ms)",
          state.active,
          stats.calls(),
          stats.errors(),
          Installer.fmt(stats.p50Millis()));
      DeviceState.Installed kept = state.active;
      end();
      notifier.status(p.requester, p.job, Status.COMPLETED, kept, null, "passed probation");
    }
  }

  private void end() {
    DeviceState state = pointer.state();
    DeviceState.Probation p = state.probation;
    state.probation = null;
    stopTicks();
    state.record(Pointer.history(p.job, state.active, "kept", "passed probation"));
    pointer.writeQuietly();
    if (previousLoaded != null) {
      previousLoaded.close();
      previousLoaded = null;
    }
    snapshot.publish();
  }

  private void stopTicks() {
    if (ticks != null) {
      ticks.cancel(false);
      ticks = null;
    }
  }

  /**
   * Back to the previous model: the one kept loaded, else loaded again from its slot or the factory
   * manifest. When that is impossible the active model keeps serving and probation ends (with its
   * checks it would only try again and fail, and meanwhile refuse every install).
   */
  private boolean rollback(Rejection reason, String why) {
    DeviceState state = pointer.state();
    DeviceState.Installed failed = state.active;
    DeviceState.Installed target = state.previous;
    DeviceState.Probation p = state.probation;
    LoadedModel back = previousLoaded;
    previousLoaded = null;
    try {
      if (back == null) {
        back = loadInstalled(target);
      }
      DeviceState.Installed newActive = target == null || target.factory() ? null : target;
      state.active = newActive;
      state.previous = null;
      state.probation = null;
      state.record(Pointer.history(p != null ? p.job : null, failed, "rolled_back", why));
      pointer.lowerFloor(failed, back.info());
      pointer.write();
      LoadedModel replaced = modelSwitch.activate(back);
      if (replaced != null) {
        replaced.close();
      }
    } catch (PackageRejectedException | ModelLoadException | IOException e) {
      LOG.error("cannot roll back from {} to {}: {}", failed, target, e.getMessage());
      String message =
          "cannot roll back to "
              + target
              + " ("
              + e.getMessage()
              + "); "
              + failed
              + " keeps serving";
      if (state.probation != null) {
        state.probation = null;
        state.record(Pointer.history(p.job, failed, "rollback_failed", message));
        pointer.writeQuietly();
        notifier.status(p.requester, p.job, Status.FAILED, failed, reason, message);
      }
      snapshot.publish();
      return false;
    } finally {
      stopTicks();
    }
    LOG.warn("rolled back from {} to {}: {}", failed, target, why);
    if (p != null) {
      notifier.status(p.requester, p.job, Status.ROLLED_BACK, failed, reason, why);
    }
    snapshot.publish();
    return true;
  }

  private LoadedModel loadInstalled(DeviceState.Installed target)
      throws PackageRejectedException, ModelLoadException {
    if (target == null || target.factory()) {
      if (pointer.factoryManifest() == null) {
        throw new ModelLoadException("no previous model to roll back to", null);
      }
      return modelSwitch.load(Path.of(pointer.factoryManifest()));
    }
    slots.verify(target.slot, pointer.keys());
    return modelSwitch.load(slots.manifest(target.slot));
  }

  /** EXEC activate: the validated candidate waiting in its slot. */
  Response activateCandidate() throws IOException {
    work.checkWorker();
    DeviceState state = pointer.state();
    if (state.candidate == null) {
      return Response.error(409, "no validated candidate waits for activation");
    }
    if (state.probation != null) {
      return Response.error(409, state.active + " is in probation");
    }
    DeviceState.Installed candidate = state.candidate;
    if (candidate.packageSha256 == null
        || !Pointer.PASSED.equals(state.validation.get(candidate.packageSha256))) {
      state.candidate = null;
      pointer.write();
      return Response.error(409, "candidate " + candidate + " has no passed validation on record");
    }
    LoadedModel loaded;
    try {
      PackageManifest manifest = slots.verify(candidate.slot, pointer.keys());
      if (!manifest.model().sha256().equals(candidate.sha256)
          || !manifest.version().equals(candidate.version)
          || !manifest.name().equals(candidate.name)) {
        state.candidate = null;
        pointer.write();
        return Response.error(
            409,
            "slot " + candidate.slot + " no longer holds the validated candidate " + candidate);
      }
      pointer.checkFloor(manifest);
      loaded = modelSwitch.load(slots.manifest(candidate.slot));
    } catch (PackageRejectedException | ModelLoadException e) {
      state.candidate = null;
      pointer.write();
      return Response.error(500, "candidate " + candidate + " no longer loads: " + e.getMessage());
    }
    activate(loaded, candidate, candidate.job, null, Double.NaN);
    snapshot.publish();
    return Response.ok(new LinkedHashMap<>(snapshot.get()));
  }

  /** EXEC rollback. */
  Response rollbackByRequest(Request request) {
    work.checkWorker();
    DeviceState state = pointer.state();
    if (state.previous == null && (state.active == null || pointer.factoryManifest() == null)) {
      return Response.error(409, "there is no previous model to roll back to");
    }
    if (state.probation != null && request.requesterClientId() != null) {
      state.probation.requester = request.requesterClientId();
    }
    boolean done =
        rollback(
            Rejection.PROBATION_FAILED,
            "rollback requested by "
                + (request.requesterClientId() == null
                    ? "an operator"
                    : request.requesterClientId()));
    return done
        ? Response.ok(new LinkedHashMap<>(snapshot.get()))
        : Response.error(500, "the rollback failed; see the device log");
  }

  /** Closes the previous model kept loaded (the manager is stopping). */
  void close() {
    if (previousLoaded != null) {
      previousLoaded.close();
    }
  }
}
