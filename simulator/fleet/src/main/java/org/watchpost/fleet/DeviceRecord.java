// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

/** What the console knows of one device in a rollout; kept in the state file. */
final class DeviceRecord {
  /** Where a device stands in the rollout. */
  enum Phase {
    /** Targeted, not yet started (its wave has not come). */
    WAITING,
    /** Started: the package was offered, the device works on it. */
    IN_PROGRESS,
    /** An attempt failed; another is due at {@code nextAttemptMillis}. */
    RETRY_WAIT,
    /** Runs the package's model (kept after probation). */
    DONE,
    /** Out of attempts, or failed in a way no retry changes. */
    FAILED;

    boolean settled() {
      return this == DONE || this == FAILED;
    }
  }

  String clientId;
  boolean online;
  long lastSeenMillis;
  String modelVersion = "";
  String deviceState = "";
  Phase phase = Phase.WAITING;
  int stage = -1;
  int attempts;
  String status = "";
  int progress;
  String reason = "";
  String message = "";
  long attemptStartedMillis;
  long lastProgressMillis;
  long nextAttemptMillis;
  String job = "";
}
