// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

/**
 * Who owns the connection the {@link Sender} sends over and runs its send thread: the device's own
 * MQTT connection ({@link ConnectionSupervisor}) or a cloud connection owned by someone else
 * ({@link CloudSession}).
 */
interface Session {
  void start();

  /**
   * Ends the send thread once the uplink stopped running; a session of the device's own also
   * disconnects.
   */
  void stop();

  boolean connected();

  /** The protocol spoken, or null while not connected. */
  String protocol();

  String lastError();

  long connects();
}
