// SPDX-License-Identifier: Apache-2.0
package org.eclipse.kura.cloudconnection.publisher;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.osgi.annotation.versioning.ProviderType;

/** Publishes an application's messages over Kura's cloud connection; provided by Kura. */
@ProviderType
public interface CloudPublisher {
  /**
   * @return an id confirmed later through {@link CloudDeliveryListener}, or null when none will be
   */
  String publish(KuraMessage message) throws KuraException;

  void registerCloudConnectionListener(CloudConnectionListener cloudConnectionListener);

  void unregisterCloudConnectionListener(CloudConnectionListener cloudConnectionListener);

  void registerCloudDeliveryListener(CloudDeliveryListener cloudDeliveryListener);

  void unregisterCloudDeliveryListener(CloudDeliveryListener cloudDeliveryListener);
}
