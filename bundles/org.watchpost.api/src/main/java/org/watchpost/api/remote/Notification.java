// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.remote;

import java.util.Map;
import java.util.Objects;
import org.watchpost.api.event.Priority;

/**
 * A message from a request handler outside any reply, sent on {@code
 * $EDC/{account}/{clientId}/{appId}/NOTIFY/{requesterClientId}/{resource}} (progress, as Kura's
 * DEPLOY-V2 does, or a request for the next chunk of a transfer).
 *
 * @param appId the handler's application id
 * @param requesterClientId who asked for the work this is about
 * @param resource one topic level naming what it is about, e.g. {@code install} or {@code chunk}
 * @param metrics the metrics
 * @param priority the uplink class it travels in
 * @param replyBytes bytes the addressee is expected to send back in answer: the uplink sends this
 *     only once its budget also has room for them, so that the answer does not crowd out what comes
 *     after it; 0 for none
 */
public record Notification(
    String appId,
    String requesterClientId,
    String resource,
    Map<String, Object> metrics,
    Priority priority,
    int replyBytes) {
  public Notification {
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(requesterClientId, "requesterClientId");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(priority, "priority");
    metrics = Map.copyOf(metrics);
    if (replyBytes < 0) {
      throw new IllegalArgumentException("replyBytes must not be negative, was " + replyBytes);
    }
  }
}
