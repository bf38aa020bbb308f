// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the model manager refused or dropped, for health: counted by the units that refuse (the
 * command gate on the uplink's request thread, the transfer on the worker and the download thread).
 * Atomic: any thread.
 */
final class Refusals {
  final AtomicLong commandsRefused = new AtomicLong();
  final AtomicLong requestsDropped = new AtomicLong();
  final AtomicLong chunksDropped = new AtomicLong();
  final AtomicLong chunksRejected = new AtomicLong();
  final AtomicLong urlsRefused = new AtomicLong();
  private volatile String last = "";
  private volatile int keysSkipped;

  /** The latest refusal, as health shows it (no secrets, no addresses). */
  void last(String what) {
    last = what;
  }

  void keysSkipped(int n) {
    keysSkipped += n;
  }

  void putInto(Map<String, Object> m) {
    m.put("commands_refused", commandsRefused.get());
    m.put("requests_dropped", requestsDropped.get());
    m.put("chunks_dropped", chunksDropped.get());
    m.put("chunks_rejected", chunksRejected.get());
    m.put("urls_refused", urlsRefused.get());
    m.put("keys_skipped", (long) keysSkipped);
  }

  String last() {
    return last;
  }
}
