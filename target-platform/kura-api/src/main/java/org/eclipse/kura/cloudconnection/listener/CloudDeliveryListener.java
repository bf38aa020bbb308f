// SPDX-License-Identifier: Apache-2.0
package org.eclipse.kura.cloudconnection.listener;

import org.osgi.annotation.versioning.ConsumerType;

/** Told when a published message id is confirmed. */
@ConsumerType
public interface CloudDeliveryListener {
  void onMessageConfirmed(String messageId);
}
