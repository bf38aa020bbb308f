// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime.kuraprobe;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;

/** Kura's cloud publisher as an application sees it: keeps every message it is given. */
final class TestCloudPublisher implements CloudNotificationPublisher {
  final List<KuraMessage> messages = new CopyOnWriteArrayList<>();
  final List<CloudConnectionListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong ids = new AtomicLong();

  @Override
  public String publish(KuraMessage message) {
    messages.add(message);
    return Long.toString(ids.incrementAndGet());
  }

  @Override
  public void registerCloudConnectionListener(CloudConnectionListener listener) {
    listeners.add(listener);
  }

  @Override
  public void unregisterCloudConnectionListener(CloudConnectionListener listener) {
    listeners.remove(listener);
  }

  @Override
  public void registerCloudDeliveryListener(CloudDeliveryListener listener) {}

  @Override
  public void unregisterCloudDeliveryListener(CloudDeliveryListener listener) {}
}
