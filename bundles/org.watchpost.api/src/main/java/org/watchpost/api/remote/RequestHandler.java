// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.remote;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Answers the requests of one application id. Register it as a service; the uplink subscribes to
 * {@code $EDC/{account}/{clientId}/{appId}/#} while it is registered and names it in the birth
 * certificate.
 */
@ConsumerType
public interface RequestHandler {

  /** The application id, e.g. {@code MODEL-V1}: one MQTT topic level. */
  String appId();

  /**
   * Handles one request on the uplink's request thread, one at a time: long work (a download, a
   * validation) goes to a thread of the handler's own and reports through {@link
   * RemoteChannel#notify}. The reply is sent only when the request expects one.
   */
  Response handle(Request request);

  /**
   * Called when the uplink has (re)connected and subscribed: work waiting on the link may go on.
   */
  default void linkUp() {}
}
