// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.models.protocol.ModelProtocol.Status;

/**
 * What GET models and health report: made on the worker from the pointer and the job in progress
 * ({@link #publish}), read from any thread as an immutable map.
 */
final class Snapshot {
  private final Pointer pointer;
  private final Notifier notifier;
  private final Supplier<TransferJob.Job> job;
  private volatile Map<String, Object> current = Map.of();

  Snapshot(Pointer pointer, Notifier notifier, Supplier<TransferJob.Job> job) {
    this.pointer = pointer;
    this.notifier = notifier;
    this.job = job;
  }

  /** Worker only. */
  void publish() {
    DeviceState state = pointer.state();
    TransferJob.Job job = this.job.get();
    Map<String, Object> m = new LinkedHashMap<>();
    ModelInfo running = notifier.activeInfo();
    if (running != null) {
      m.put(ModelProtocol.ACTIVE_NAME, running.name());
      m.put(ModelProtocol.ACTIVE_VERSION, running.version());
      m.put(ModelProtocol.ACTIVE_SHA256, running.sha256());
    }
    m.put(
        ModelProtocol.ACTIVE_SLOT,
        state == null || state.active == null ? "factory" : state.active.slot);
    if (state != null && state.previous != null) {
      m.put(ModelProtocol.PREVIOUS_VERSION, state.previous.version);
    }
    if (state != null && state.candidate != null) {
      m.put(ModelProtocol.CANDIDATE_VERSION, state.candidate.version);
    }
    String phase =
        job != null
            ? job.status.name()
            : state != null && state.probation != null ? Status.PROBATION.name() : "IDLE";
    m.put(ModelProtocol.STATE, phase);
    if (job != null) {
      m.put(ModelProtocol.JOB_ID, job.record.job);
      m.put(ModelProtocol.OFFSET, job.record.offset);
      m.put(ModelProtocol.PACKAGE_SIZE, job.record.size);
    }
    current = Map.copyOf(m);
  }

  /** Any thread. */
  Map<String, Object> get() {
    return current;
  }
}
