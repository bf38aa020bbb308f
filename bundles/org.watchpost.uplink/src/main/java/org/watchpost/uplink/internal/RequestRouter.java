package org.watchpost.uplink.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.RequestHandler;
import org.watchpost.api.remote.Response;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;
import org.watchpost.uplink.codec.MalformedPayloadException;

/**
 * Remote commands in Kura's request/response pattern: reads what arrives on
 * {@code $EDC/{account}/{clientId}/{appId}/{method}/...}, hands it to the handler registered for the app id on a
 * thread of its own (one request at a time, a bounded queue), and has the reply sent to
 * {@code $EDC/{account}/{requester.client.id}/{appId}/REPLY/{request.id}}. Outlives the engines of one uplink
 * component, so handlers stay registered across configuration changes.
 */
final class RequestRouter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RequestRouter.class);
  /** Largest request payload read; a model chunk is far smaller. */
  static final int MAX_REQUEST_BYTES = 4 << 20;
  private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DEL", "EXEC");
  private static final int QUEUE = 256;
  /**
   * The client id level of a request addressed to every device of the account (a console discovering its fleet:
   * each device answers on the requester's reply topic as to a request of its own).
   */
  static final String EVERY_DEVICE = "_all";

  /** Sends a reply; the engine queues it in its outbox. */
  interface Replier {
    void reply(KuraTopic topic, Map<String, Object> metrics, byte[] body);
  }

  private final Map<String, RequestHandler> handlers = new ConcurrentHashMap<>();
  private final ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
      new LinkedBlockingQueue<>(QUEUE), r -> {
        Thread t = new Thread(r, "uplink-requests");
        t.setDaemon(true);
        return t;
      });
  private final AtomicLong malformed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  void add(RequestHandler handler) {
    String appId = handler.appId();
    if (appId == null || appId.isEmpty() || appId.contains("/") || appId.contains("+") || appId.contains("#")
        || appId.equals("MQTT")) {
      LOG.error("request handler {} has the app id '{}', which is not one topic level; ignored", handler, appId);
      return;
    }
    RequestHandler previous = handlers.put(appId, handler);
    if (previous != null && previous != handler) {
      LOG.warn("two request handlers for {}: {} replaces {}", appId, handler, previous);
    }
  }

  void remove(RequestHandler handler) {
    handlers.remove(handler.appId(), handler);
  }

  Set<String> appIds() {
    return new TreeSet<>(handlers.keySet());
  }

  static String[] filters(String account, String clientId, Collection<String> appIds) {
    List<String> out = new ArrayList<>();
    for (String appId : appIds) {
      out.add(KuraTopic.CONTROL_PREFIX + "/" + account + "/" + clientId + "/" + appId + "/#");
      out.add(KuraTopic.CONTROL_PREFIX + "/" + account + "/" + EVERY_DEVICE + "/" + appId + "/GET/#");
    }
    return out.toArray(String[]::new);
  }

  /** Called on the MQTT client's thread: parses the topic, queues the rest. */
  void arrived(String account, String clientId, String topic, byte[] payload, Replier replier) {
    KuraTopic parsed = KuraTopic.parse(topic);
    if (parsed == null || parsed.kind() != KuraTopic.Kind.CONTROL || !parsed.account().equals(account)
        || !(parsed.clientId().equals(clientId) || parsed.clientId().equals(EVERY_DEVICE))) {
      malformed.incrementAndGet();
      return;
    }
    String[] levels = parsed.subject().split("/");
    if (levels.length < 2 || !METHODS.contains(levels[1])) {
      // Our own REPLY and NOTIFY topics, or another verb: not requests.
      return;
    }
    if (parsed.clientId().equals(EVERY_DEVICE) && !levels[1].equals("GET")) {
      malformed.incrementAndGet();
      return;
    }
    RequestHandler handler = handlers.get(levels[0]);
    try {
      executor.execute(() -> dispatch(levels, payload, handler, replier, account));
    } catch (RejectedExecutionException e) {
      dropped.incrementAndGet();
      LOG.warn("request queue full ({}); request on {} dropped", QUEUE, topic);
    }
  }

  private void dispatch(String[] levels, byte[] wire, RequestHandler handler, Replier replier, String account) {
    KuraPayload payload;
    try {
      if (wire.length > MAX_REQUEST_BYTES) {
        throw new MalformedPayloadException("request of " + wire.length + " bytes, more than " + MAX_REQUEST_BYTES);
      }
      payload = KuraPayloadCodec.decode(wire);
    } catch (MalformedPayloadException | RuntimeException e) {
      malformed.incrementAndGet();
      LOG.warn("unreadable request on {}: {}", String.join("/", levels), e.getMessage());
      return;
    }
    String requestId = payload.stringMetric(Request.REQUEST_ID);
    String requester = payload.stringMetric(Request.REQUESTER_CLIENT_ID);
    if (requestId != null && !isLevel(requestId) || requester != null && !isLevel(requester)) {
      malformed.incrementAndGet();
      LOG.warn("request on {} names a requester or request id that is not one topic level", String.join("/", levels));
      return;
    }
    Map<String, Object> metrics = new LinkedHashMap<>(payload.metrics());
    metrics.remove(Request.REQUEST_ID);
    metrics.remove(Request.REQUESTER_CLIENT_ID);
    Request request = new Request(levels[0], levels[1], List.of(levels).subList(2, levels.length), requestId, requester,
        metrics, payload.body());
    Response response;
    if (handler == null) {
      response = Response.error(404, "no handler for " + levels[0]);
    } else {
      try {
        response = handler.handle(request);
      } catch (RuntimeException e) {
        LOG.error("request handler {} failed on {} {}", levels[0], levels[1], request.resources(), e);
        response = Response.error(500, e.getMessage());
      }
    }
    if (response != null && request.expectsReply()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(Response.CODE, response.code());
      m.put(Request.REQUEST_ID, requestId);
      response.metrics().forEach(m::putIfAbsent);
      replier.reply(KuraTopic.application(account, requester, levels[0], "REPLY", requestId), m, response.body());
    }
  }

  private static boolean isLevel(String s) {
    return !s.isEmpty() && s.length() <= 128 && s.indexOf('/') < 0 && s.indexOf('+') < 0 && s.indexOf('#') < 0;
  }

  /** Tells every handler the link is up (on the request thread, after requests already queued). */
  void linkUp() {
    try {
      executor.execute(() -> handlers.values().forEach(h -> {
        try {
          h.linkUp();
        } catch (RuntimeException e) {
          LOG.error("request handler {} failed on link up", h.appId(), e);
        }
      }));
    } catch (RejectedExecutionException e) {
      dropped.incrementAndGet();
    }
  }

  long malformed() {
    return malformed.get();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
