// SPDX-License-Identifier: Apache-2.0
package org.eclipse.kura.cloudconnection.listener;

import org.osgi.annotation.versioning.ConsumerType;

/** Told of the state of a cloud connection. */
@ConsumerType
public interface CloudConnectionListener {
  void onDisconnected();

  void onConnectionLost();

  void onConnectionEstablished();
}
