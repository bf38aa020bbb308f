// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * What the pointer file holds: which slot is active, which one to fall back to, a probation in
 * progress and the recent history. A slot of null means the factory model the detector is
 * configured with.
 */
final class DeviceState {
  static final int HISTORY = 50;

  /** A model the device can run: a slot (a, b) or the factory model (slot null). */
  static final class Installed {
    String slot;
    String name;
    String version;
    String sha256;
    String packageSha256;
    String job;
    long activatedMillis;

    Installed() {}

    Installed(String slot, String name, String version, String sha256, String job) {
      this.slot = slot;
      this.name = name;
      this.version = version;
      this.sha256 = sha256;
      this.job = job;
    }

    boolean factory() {
      return slot == null;
    }

    @Override
    public String toString() {
      return name + " " + version + (slot == null ? " (factory)" : " (slot " + slot + ")");
    }
  }

  static final class Probation {
    String job;
    String requester;
    long untilMillis;
    double baselineMillis;
    int restarts;
  }

  static final class HistoryEntry {
    long timeMillis;
    String job;
    String name;
    String version;
    String event;
    String reason;

    HistoryEntry() {}

    HistoryEntry(
        long timeMillis, String job, String name, String version, String event, String reason) {
      this.timeMillis = timeMillis;
      this.job = job;
      this.name = name;
      this.version = version;
      this.event = event;
      this.reason = reason;
    }
  }

  int format = 1;
  Installed active;
  Installed previous;

  /**
   * A validated model in the candidate slot waiting for EXEC activate (installed with
   * activate=false).
   */
  Installed candidate;

  Probation probation;

  /** The manifest of the model the detector is configured with, for a rollback to it. */
  String factoryManifest;

  List<HistoryEntry> history = new ArrayList<>();

  /**
   * Anti-rollback floor per model name: the lowest version that may be installed without a signed,
   * device-scoped rollback token. Raised on every activation; lowered only by a rollback (requested
   * with a token, or the device's own after a failed probation).
   */
  java.util.Map<String, String> floors = new java.util.TreeMap<>();

  /** Validation outcome per package SHA-256 ("passed" or the reason), the last few packages. */
  java.util.LinkedHashMap<String, String> validation = new java.util.LinkedHashMap<>();

  static final int VALIDATION_RECORDS = 16;

  void validated(String packageSha256, String outcome) {
    validation.remove(packageSha256);
    validation.put(packageSha256, outcome);
    while (validation.size() > VALIDATION_RECORDS) {
      validation.remove(validation.keySet().iterator().next());
    }
  }

  void record(HistoryEntry entry) {
    history.add(entry);
    while (history.size() > HISTORY) {
      history.remove(0);
    }
  }
}
