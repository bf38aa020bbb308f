// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.track;

public enum TrackState {
  /** Seen, not yet often enough to be believed. */
  TENTATIVE,
  /** Believed and matched on the last detector run that covered it. */
  CONFIRMED,
  /** Believed, but missed by the last detector run(s); coasting on its prediction. */
  LOST,
  /** Gone; no longer reported. */
  REMOVED
}
