// SPDX-License-Identifier: Apache-2.0
package org.eclipse.kura.cloudconnection.request;

import org.eclipse.kura.KuraException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Where request handlers are registered under their id (the app id of the request topic); provided
 * by Kura.
 */
@ProviderType
public interface RequestHandlerRegistry {
  void registerRequestHandler(String id, RequestHandler requestHandler) throws KuraException;

  void unregister(String id) throws KuraException;
}
