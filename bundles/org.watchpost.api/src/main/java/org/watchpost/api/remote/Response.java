// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.remote;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reply to a {@link Request}, sent on {@code
 * $EDC/{account}/{requesterClientId}/{appId}/REPLY/{requestId}} with the metric {@code
 * response.code} (200, 400, 404, 500 as in Kura) and, for an error, {@code
 * response.exception.message}.
 *
 * @param code 200 done, 400 bad request, 404 no such resource, 409 conflicting state, 500 failure
 * @param metrics further metrics
 * @param body a body, or null
 */
public record Response(int code, Map<String, Object> metrics, byte[] body) {
  public static final String CODE = "response.code";
  public static final String EXCEPTION_MESSAGE = "response.exception.message";

  public Response {
    metrics = Map.copyOf(metrics);
  }

  public static Response ok(Map<String, Object> metrics) {
    return new Response(200, metrics, null);
  }

  public static Response error(int code, String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(EXCEPTION_MESSAGE, message == null ? "" : message);
    return new Response(code, m, null);
  }
}
