// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.remote;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request that arrived on {@code $EDC/{account}/{clientId}/{appId}/{method}/{resources...}}.
 *
 * @param appId the application, e.g. {@code MODEL-V1}
 * @param method {@code GET}, {@code PUT}, {@code POST}, {@code DEL} or {@code EXEC}
 * @param resources the topic levels after the method
 * @param requestId the {@code request.id} metric; null for a message that expects no reply
 * @param requesterClientId the {@code requester.client.id} metric; null for a message that expects
 *     no reply
 * @param metrics the payload's metrics (Double, Float, Long, Integer, Boolean, String or byte[])
 * @param body the payload's body, or null
 */
public record Request(
    String appId,
    String method,
    List<String> resources,
    String requestId,
    String requesterClientId,
    Map<String, Object> metrics,
    byte[] body) {
  public static final String REQUEST_ID = "request.id";
  public static final String REQUESTER_CLIENT_ID = "requester.client.id";

  public Request {
    Objects.requireNonNull(appId, "appId");
    Objects.requireNonNull(method, "method");
    resources = List.copyOf(resources);
    metrics = Map.copyOf(metrics);
  }

  /** True when the sender waits for a reply. */
  public boolean expectsReply() {
    return requestId != null && requesterClientId != null;
  }

  public String resource(int index) {
    return index < resources.size() ? resources.get(index) : "";
  }

  public String stringMetric(String name) {
    return metrics.get(name) instanceof String s ? s : null;
  }

  /** A whole-number metric (int64 or int32), or null. */
  public Long longMetric(String name) {
    Object value = metrics.get(name);
    if (value instanceof Long l) {
      return l;
    }
    return value instanceof Integer i ? i.longValue() : null;
  }
}
