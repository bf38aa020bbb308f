// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.event;

/** Upstream priority classes, highest first; alarms preempt everything. */
public enum Priority {
  /** Intrusion, tamper, camera down. */
  ALARM,
  EVENT,
  COUNTS,
  HEALTH,
  /** Snapshots, model chunks. */
  BULK
}
