// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.detect.LoadedModel;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageManifest;
import org.watchpost.models.packaging.PackageRejectedException;
import org.watchpost.models.packaging.Rejection;
import org.watchpost.models.packaging.SemanticVersion;
import org.watchpost.models.protocol.ModelProtocol.Status;

/**
 * A complete transfer to a validated model: checks size and hash, verifies the package's signature
 * and policy (platform, runtime, version order and floor, rollback keys), unpacks it into the slot
 * the active model does not use, validates it beside the active model, then activates it ({@link
 * Probation}) or keeps it as the candidate for EXEC activate.
 *
 * <p>Threads: the worker only ({@link WorkQueue#checkWorker()} on entry). Holds no state of its
 * own: the job is the {@link TransferJob}'s, what runs and the floors are the {@link Pointer}'s.
 */
final class Installer {
  private static final Logger LOG = LoggerFactory.getLogger(Installer.class);

  private final ModelsSettings settings;
  private final ModelSwitch modelSwitch;
  private final SlotStore slots;
  private final IncomingStore incoming;
  private final Validator validator;
  private final Pointer pointer;
  private final TransferJob transfers;
  private final Probation probation;
  private final Notifier notifier;
  private final WorkQueue work;
  private final Snapshot snapshot;

  Installer(
      ModelsSettings settings,
      ModelSwitch modelSwitch,
      SlotStore slots,
      IncomingStore incoming,
      Pointer pointer,
      TransferJob transfers,
      Probation probation,
      Notifier notifier,
      WorkQueue work,
      Snapshot snapshot) {
    this.settings = settings;
    this.modelSwitch = modelSwitch;
    this.slots = slots;
    this.incoming = incoming;
    this.validator = new Validator(settings);
    this.pointer = pointer;
    this.transfers = transfers;
    this.probation = probation;
    this.notifier = notifier;
    this.work = work;
    this.snapshot = snapshot;
  }

  /** Installs the job in progress, whose transfer is complete. */
  void install() {
    work.checkWorker();
    TransferJob.Job job = transfers.current();
    if (job == null) {
      return;
    }
    DeviceState state = pointer.state();
    TransferRecord record = job.record;
    job.status = Status.VERIFYING;
    snapshot.publish();
    notifier.status(record.requester, record.job, Status.VERIFYING, null, null, "");
    Path part = incoming.part(record.job);
    DeviceState.Installed installed;
    PackageManifest manifest;
    String slot;
    try {
      checkTransfer(record, part);
      try (ModelPackage pkg = ModelPackage.open(part, settings.limits(), pointer.keys())) {
        manifest = pkg.manifest();
        checkPolicy(manifest, record);
        if (state.active != null && record.sha256.equals(state.active.packageSha256)) {
          transfers.finish(
              state.probation != null ? Status.PROBATION : Status.COMPLETED,
              state.active,
              null,
              "already active",
              state.probation != null);
          return;
        }
        slot =
            state.active == null || state.active.factory()
                ? SlotStore.A
                : SlotStore.other(state.active.slot);
        if (state.previous != null && slot.equals(state.previous.slot)) {
          // The slot about to be overwritten can no longer be rolled back to.
          state.previous = null;
          pointer.write();
        }
        if (state.candidate != null && slot.equals(state.candidate.slot)) {
          // The waiting candidate's files are about to be replaced: it can no longer be activated.
          LOG.info(
              "job {}: slot {} replaces the waiting candidate {}",
              record.job,
              slot,
              state.candidate);
          state.candidate = null;
          pointer.write();
        }
        slots.install(pkg, slot);
        CrashPoints.reach("slot-installed");
      }
      installed =
          new DeviceState.Installed(
              slot, manifest.name(), manifest.version(), manifest.model().sha256(), record.job);
      installed.packageSha256 = record.sha256;
    } catch (PackageRejectedException e) {
      reject(record, e);
      return;
    } catch (IOException e) {
      transfers.finish(
          Status.FAILED,
          null,
          Rejection.TRUNCATED,
          "cannot unpack the package: " + e.getMessage(),
          false);
      return;
    }
    job.status = Status.VALIDATING;
    snapshot.publish();
    notifier.status(record.requester, record.job, Status.VALIDATING, installed, null, "");
    LoadedModel candidate;
    try {
      candidate = modelSwitch.load(slots.manifest(slot));
    } catch (ModelLoadException e) {
      pointer.recordValidation(record.sha256, "failed: load");
      reject(
          record,
          new PackageRejectedException(
              Rejection.LOAD_FAILED,
              manifest.name() + " " + manifest.version() + " does not load: " + e.getMessage(),
              e));
      return;
    }
    Validator.Outcome outcome;
    try {
      outcome =
          validator.validate(
              candidate, modelSwitch.active(), manifest, slots.manifest(slot).getParent());
    } catch (PackageRejectedException e) {
      candidate.close();
      pointer.recordValidation(record.sha256, "failed: " + e.reason().code());
      reject(record, e);
      return;
    }
    pointer.recordValidation(record.sha256, Pointer.PASSED);
    LOG.info(
        "job {}: {} {} validated on {} frames: {} ms per frame, active {} ms",
        record.job,
        manifest.name(),
        manifest.version(),
        outcome.frames(),
        fmt(outcome.candidateMillis()),
        fmt(outcome.activeMillis()));
    try {
      if (!record.activate) {
        candidate.close();
        state.candidate = installed;
        pointer.write();
        transfers.finish(
            Status.INSTALLED, installed, null, "validated; waiting for EXEC activate", false);
        return;
      }
      probation.activate(
          candidate, installed, record.job, record.requester, outcome.activeMillis());
      if (record.rollbackToken) {
        // A rollback the console asked for with a token: the floor comes down to it (raising never
        // would).
        state.floors.put(installed.name, installed.version);
        pointer.write();
      }
      transfers.finish(
          Status.PROBATION,
          installed,
          null,
          "active, in probation for " + settings.probation().toSeconds() + " s",
          true);
    } catch (IOException e) {
      candidate.close();
      transfers.finish(
          Status.FAILED,
          null,
          Rejection.TRUNCATED,
          "cannot write the pointer file: " + e.getMessage(),
          false);
    }
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private void checkTransfer(TransferRecord record, Path part)
      throws PackageRejectedException, IOException {
    long size = Files.size(part);
    if (size != record.size) {
      throw new PackageRejectedException(
          Rejection.TRUNCATED,
          "transfer holds " + size + " bytes, " + record.size + " were announced");
    }
    String actual = ModelPackage.sha256Of(part);
    if (!actual.equals(record.sha256)) {
      throw new PackageRejectedException(
          Rejection.HASH_MISMATCH,
          "the transferred package has SHA-256 "
              + actual
              + ", "
              + record.sha256
              + " was announced");
    }
  }

  private void checkPolicy(PackageManifest manifest, TransferRecord record)
      throws PackageRejectedException {
    if (!manifest.platforms().contains(settings.platform())) {
      throw new PackageRejectedException(
          Rejection.WRONG_PLATFORM,
          manifest.name()
              + " "
              + manifest.version()
              + " is built for "
              + manifest.platforms()
              + ", this device is "
              + settings.platform());
    }
    if (SemanticVersion.parse(manifest.minRuntime()).compareTo(settings.runtimeVersion()) > 0) {
      throw new PackageRejectedException(
          Rejection.RUNTIME_TOO_OLD,
          manifest.name()
              + " "
              + manifest.version()
              + " needs runtime "
              + manifest.minRuntime()
              + ", this device runs "
              + settings.runtimeVersion());
    }
    SemanticVersion version = manifest.semanticVersion();
    ModelInfo running = notifier.activeInfo();
    if (running != null && running.name().equals(manifest.name())) {
      int order = version.compareTo(SemanticVersion.parse(running.version()));
      if (order == 0 && !running.sha256().equals(manifest.model().sha256())) {
        throw new PackageRejectedException(
            Rejection.VERSION_CONFLICT,
            manifest.name()
                + " "
                + manifest.version()
                + " is active with other weights ("
                + running.sha256()
                + "); a new model needs a new version");
      }
      if (order < 0) {
        requireRollback(manifest, record, "older than the active " + running.version());
      }
    }
    String floor = pointer.state().floors.get(manifest.name());
    if (floor != null && version.compareTo(SemanticVersion.parse(floor)) < 0) {
      requireRollback(
          manifest,
          record,
          "below this device's version floor " + floor + " for " + manifest.name());
    }
  }

  /**
   * Going down needs both keys: the release key's {@code rollback: true} in the package and a
   * console's rollback token for this device alone, valid for a short while (so a rollback package
   * cannot be replayed on every device forever: TUF's rollback attack).
   */
  private static void requireRollback(PackageManifest manifest, TransferRecord record, String what)
      throws PackageRejectedException {
    if (!manifest.rollback() || !record.rollbackToken) {
      throw new PackageRejectedException(
          Rejection.DOWNGRADE,
          manifest.name()
              + " "
              + manifest.version()
              + " is "
              + what
              + "; going down needs a package signed with rollback and a rollback token for this device");
    }
  }

  private void reject(TransferRecord record, PackageRejectedException e) {
    LOG.warn("job {} rejected: {}", record.job, e.toString());
    transfers.finish(Status.FAILED, null, e.reason(), e.getMessage(), false);
  }
}
