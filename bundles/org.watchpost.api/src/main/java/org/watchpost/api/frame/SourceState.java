// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.frame;

public enum SourceState {
  /** Opening for the first time. */
  STARTING,
  /** Delivering frames. */
  RUNNING,
  /** Lost the stream; waiting to reopen it (exponential backoff). */
  RECONNECTING,
  /** A finite source reached its end. */
  ENDED,
  /** Closed by its owner. */
  CLOSED
}
