// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

/**
 * The one thread a unit's mutable state belongs to. The unit binds it when its thread starts and
 * checks it on every entry to that state, so a touch from another thread fails where it happens
 * instead of racing quietly.
 */
final class ThreadOwner {
  private final String unit;
  private volatile Thread owner;

  ThreadOwner(String unit) {
    this.unit = unit;
  }

  /** Makes the calling thread the owner (the unit's thread, as its first act). */
  void bind() {
    owner = Thread.currentThread();
  }

  /**
   * @throws IllegalStateException when called from a thread other than the owner
   */
  void check() {
    Thread o = owner;
    Thread me = Thread.currentThread();
    if (o != me) {
      throw new IllegalStateException(
          unit
              + " is confined to thread "
              + (o == null ? "(none yet)" : o.getName())
              + ", touched from "
              + me.getName());
    }
  }
}
