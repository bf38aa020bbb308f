// SPDX-License-Identifier: Apache-2.0
package org.eclipse.kura.cloudconnection.publisher;

import org.osgi.annotation.versioning.ProviderType;

/** The publisher a request handler notifies the requester through. */
@ProviderType
public interface CloudNotificationPublisher extends CloudPublisher {}
