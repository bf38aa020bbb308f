// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime.kuraprobe;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.kura.cloudconnection.request.RequestHandler;
import org.eclipse.kura.cloudconnection.request.RequestHandlerRegistry;

/**
 * Kura's request handler registry: what Kura's cloud service routes requests through, by app id.
 */
final class TestRegistry implements RequestHandlerRegistry {
  final Map<String, RequestHandler> handlers = new ConcurrentHashMap<>();

  @Override
  public void registerRequestHandler(String id, RequestHandler handler) {
    handlers.put(id, handler);
  }

  @Override
  public void unregister(String id) {
    handlers.remove(id);
  }
}
