// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

/**
 * Raises a state once its condition has held for the raise delay and clears it once the condition
 * has been gone for the clear delay, both in one clock. A check that could not be made suspends the
 * count.
 */
final class Debouncer {
  enum Change {
    NONE,
    RAISED,
    CLEARED
  }

  private static final long NEVER = Long.MIN_VALUE;

  private boolean raised;
  private long holdingSince = NEVER;
  private long goneSince = NEVER;

  Change update(boolean holds, long now, long raiseAfter, long clearAfter) {
    if (holds) {
      goneSince = NEVER;
      if (!raised) {
        if (holdingSince == NEVER) {
          holdingSince = now;
        }
        if (now - holdingSince >= raiseAfter) {
          raised = true;
          holdingSince = NEVER;
          return Change.RAISED;
        }
      }
    } else {
      holdingSince = NEVER;
      if (raised) {
        if (goneSince == NEVER) {
          goneSince = now;
        }
        if (now - goneSince >= clearAfter) {
          raised = false;
          goneSince = NEVER;
          return Change.CLEARED;
        }
      }
    }
    return Change.NONE;
  }

  /** The condition could not be judged: whatever was building up starts again. */
  void suspend() {
    holdingSince = NEVER;
    goneSince = NEVER;
  }

  boolean raised() {
    return raised;
  }

  /** Holding but not yet raised. */
  boolean pending() {
    return holdingSince != NEVER;
  }
}
