// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.remote;

import org.osgi.annotation.versioning.ProviderType;

/** The uplink's side of remote commands, for request handlers. */
@ProviderType
public interface RemoteChannel {

  /**
   * Queues a notification in the uplink's outbox; it is sent in its priority class within the
   * bandwidth budget, after a reconnect if the link is down.
   *
   * @return false when it was refused (too large for the budget, or the uplink is stopping)
   */
  boolean notify(Notification notification);

  /** The device's client id, the second level of its topics. */
  String clientId();

  /** True while the link to the broker is up. */
  boolean connected();
}
