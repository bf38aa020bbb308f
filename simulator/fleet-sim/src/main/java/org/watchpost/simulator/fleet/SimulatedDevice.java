// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import java.util.Map;

/** One device of a fleet: a real runtime in a child JVM, or an agent that speaks its protocol. */
interface SimulatedDevice extends AutoCloseable {
  String id();

  /**
   * Whether the device has done its part of the scenario (its cameras played out, or its trace
   * replayed).
   */
  boolean finished();

  /**
   * Stops the device cleanly (it drains its outbox and sends its disconnect certificate); waits for
   * it.
   */
  void stop();

  /** What the device itself says it did: events produced, folded and dropped, faults injected. */
  Map<String, Object> ownReport();

  @Override
  void close();
}
