// SPDX-License-Identifier: Apache-2.0
package org.watchpost.kura.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.eclipse.kura.cloudconnection.request.RequestHandlerMessageConstants;
import org.eclipse.kura.cloudconnection.request.RequestHandlerRegistry;
import org.eclipse.kura.message.KuraPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.RequestHandler;
import org.watchpost.api.remote.Response;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * One Watchpost request handler as Kura's: Kura has already checked the topic, routed by app id and
 * will send the reply (with {@code request.id} and {@code response.code}); this turns the
 * KuraMessage into a {@link Request} and the {@link Response} back. The resource path is Kura's
 * {@code args} property. A response other than 200 becomes a {@link KuraException} (Kura answers it
 * with an error code and the message), because Kura's request handler contract has no other way to
 * say it.
 */
final class KuraRequestHandler implements org.eclipse.kura.cloudconnection.request.RequestHandler {
  private static final Logger LOG = LoggerFactory.getLogger(KuraRequestHandler.class);

  /** Most resource levels taken from a request (as in the standalone router's topic limit). */
  private static final int MAX_ARGS = 12;

  /** Largest request taken: the standalone uplink's default {@code request.max.bytes}. */
  static final int MAX_REQUEST_BYTES = 4 << 20;

  private final RequestHandler handler;
  private final RequestHandlerRegistry registry;
  private final Consumer<CloudNotificationPublisher> notificationPublisher;
  private final String appId;

  KuraRequestHandler(
      RequestHandler handler,
      RequestHandlerRegistry registry,
      Consumer<CloudNotificationPublisher> notificationPublisher) {
    this.handler = handler;
    this.registry = registry;
    this.notificationPublisher = notificationPublisher;
    this.appId = handler.appId();
  }

  boolean register() {
    try {
      registry.registerRequestHandler(appId, this);
      LOG.info("{} registered with Kura's request handler registry", appId);
      handler.linkUp();
      return true;
    } catch (KuraException | RuntimeException e) {
      LOG.error("{} could not be registered with Kura: {}", appId, e.getMessage());
      return false;
    }
  }

  void unregister() {
    try {
      registry.unregister(appId);
    } catch (KuraException | RuntimeException e) {
      LOG.warn("{} could not be unregistered from Kura: {}", appId, e.getMessage());
    }
  }

  @Override
  public KuraMessage doGet(RequestHandlerContext context, KuraMessage request)
      throws KuraException {
    return handle("GET", context, request);
  }

  @Override
  public KuraMessage doPut(RequestHandlerContext context, KuraMessage request)
      throws KuraException {
    return handle("PUT", context, request);
  }

  @Override
  public KuraMessage doPost(RequestHandlerContext context, KuraMessage request)
      throws KuraException {
    return handle("POST", context, request);
  }

  @Override
  public KuraMessage doDel(RequestHandlerContext context, KuraMessage request)
      throws KuraException {
    return handle("DEL", context, request);
  }

  @Override
  public KuraMessage doExec(RequestHandlerContext context, KuraMessage request)
      throws KuraException {
    return handle("EXEC", context, request);
  }

  private KuraMessage handle(String method, RequestHandlerContext context, KuraMessage message)
      throws KuraException {
    if (context != null && context.getNotificationPublisher() != null) {
      notificationPublisher.accept(context.getNotificationPublisher());
    }
    Request request = request(appId, method, message);
    Response response;
    try {
      response = handler.handle(request);
    } catch (RuntimeException e) {
      throw new KuraException(KuraErrorCode.INTERNAL_ERROR, e, e.getMessage());
    }
    KuraPayload payload = new KuraPayload();
    payload.setTimestamp(new java.util.Date());
    if (response == null) {
      return new KuraMessage(payload);
    }
    if (response.code() != 200) {
      Object text = response.metrics().get(Response.EXCEPTION_MESSAGE);
      throw new KuraException(
          errorCode(response.code()), response.code(), text == null ? "" : text);
    }
    response
        .metrics()
        .forEach(
            (k, v) -> payload.addMetric(k, org.watchpost.uplink.codec.KuraPayload.metricValue(v)));
    payload.setBody(response.body());
    return new KuraMessage(payload);
  }

  /**
   * The request as the standalone router hands it over, and bounded like it: at most {@link
   * #MAX_ARGS} resource levels, each one valid topic level (the standalone router takes them from
   * the topic, so they are); a request id and requester that are valid topic levels (they go into
   * reply and NOTIFY topics); at most {@link #MAX_REQUEST_BYTES} of body and metrics. Everything
   * else is refused before any handler runs.
   */
  static Request request(String appId, String method, KuraMessage message) throws KuraException {
    if (message == null || message.getPayload() == null) {
      throw new KuraException(KuraErrorCode.BAD_REQUEST, "no payload");
    }
    List<String> resources = new ArrayList<>();
    Object args =
        message.getProperties() == null
            ? null
            : message.getProperties().get(RequestHandlerMessageConstants.ARGS_KEY.value());
    if (args instanceof List<?> list) {
      if (list.size() > MAX_ARGS) {
        throw new KuraException(
            KuraErrorCode.BAD_REQUEST, "too many resource levels: " + list.size());
      }
      for (Object level : list) {
        if (!(level instanceof String s) || !KuraTopic.isLevel(s)) {
          throw new KuraException(
              KuraErrorCode.BAD_REQUEST,
              "a resource level that is not a topic level: "
                  + (level instanceof String s ? KuraTopic.levelProblem(s) : "not text"));
        }
        resources.add((String) level);
      }
    } else if (args != null) {
      throw new KuraException(KuraErrorCode.BAD_REQUEST, "args is not a list");
    }
    KuraPayload payload = message.getPayload();
    byte[] body = payload.getBody();
    long bytes = body == null ? 0 : body.length;
    Map<String, Object> metrics = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, Object> metric : payload.metrics().entrySet()) {
      String name = metric.getKey();
      Object value = metric.getValue();
      if (name == null || value == null) {
        continue;
      }
      bytes += name.length() + valueBytes(value);
      if (bytes > MAX_REQUEST_BYTES) {
        throw new KuraException(
            KuraErrorCode.BAD_REQUEST, "a request over " + MAX_REQUEST_BYTES + " bytes");
      }
      metrics.put(name, value);
    }
    if (bytes > MAX_REQUEST_BYTES) {
      throw new KuraException(
          KuraErrorCode.BAD_REQUEST, "a request over " + MAX_REQUEST_BYTES + " bytes");
    }
    String requestId = metrics.remove(Request.REQUEST_ID) instanceof String s ? s : null;
    String requester = metrics.remove(Request.REQUESTER_CLIENT_ID) instanceof String s ? s : null;
    for (String level : new String[] {requestId, requester}) {
      if (level != null && !KuraTopic.isLevel(level)) {
        throw new KuraException(
            KuraErrorCode.BAD_REQUEST,
            (level == requestId ? Request.REQUEST_ID : Request.REQUESTER_CLIENT_ID)
                + " is not a topic level: "
                + KuraTopic.levelProblem(level));
      }
    }
    return new Request(appId, method, resources, requestId, requester, metrics, body);
  }

  /** What a metric value weighs, about as on the wire; text counted by its characters. */
  private static long valueBytes(Object value) {
    if (value instanceof String s) {
      return s.length();
    }
    if (value instanceof byte[] b) {
      return b.length;
    }
    return 8;
  }

  static KuraErrorCode errorCode(int code) {
    return switch (code) {
      case 400 -> KuraErrorCode.BAD_REQUEST;
      case 403 -> KuraErrorCode.SECURITY_EXCEPTION;
      case 404 -> KuraErrorCode.NOT_FOUND;
      case 503 -> KuraErrorCode.SERVICE_UNAVAILABLE;
      default -> KuraErrorCode.INTERNAL_ERROR;
    };
  }
}
