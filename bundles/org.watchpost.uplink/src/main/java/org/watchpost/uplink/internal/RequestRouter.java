// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import dev.failsafe.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
 * Remote commands in Kura's request/response pattern: reads what arrives on {@code
 * $EDC/{account}/{clientId}/{appId}/{method}/...}, hands it to the handler registered for the app
 * id on a thread of its own (one request at a time, a queue bounded in requests and bytes), and has
 * the reply sent to {@code $EDC/{account}/{requester.client.id}/{appId}/REPLY/{request.id}}.
 * Outlives the engines of one uplink component, so handlers stay registered across configuration
 * changes.
 *
 * <p>Every byte here is hostile until checked, cheapest check first and all of them before anything
 * is queued or decoded: size, retain flag, topic, the rate limit of {@code _all}, then the queue's
 * bounds. Each refusal is counted by {@link Outcome} and never answered (an answer to a forged
 * request would be an amplifier).
 *
 * <p>Public, with {@link #arrived} and {@link #process}, so that a test of another module (the
 * end-to-end fuzz of MODEL-V1) can feed it raw (topic, payload, retained) exactly as the MQTT
 * client does.
 */
public final class RequestRouter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RequestRouter.class);

  /** Largest request payload read by default; a model chunk is far smaller. */
  public static final int MAX_REQUEST_BYTES = 4 << 20;

  private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DEL", "EXEC");

  /**
   * The client id level of a request addressed to every device of the account (a console
   * discovering its fleet: each device answers on the requester's reply topic as to a request of
   * its own).
   */
  public static final String EVERY_DEVICE = "_all";

  /** What became of one message that arrived. */
  public enum Outcome {
    /** Queued for its handler ({@link #arrived}). */
    QUEUED,
    /** Handled and, when it asked for one, answered ({@link #process}). */
    HANDLED,
    /**
     * One of our own REPLY or NOTIFY topics, or a verb that is not a request: ignored, not counted.
     */
    NOT_A_REQUEST,
    /** Larger than the request cap: dropped before anything else looked at it. */
    TOO_LARGE,
    /** Sent with the retain flag: a stored command would run again on every reconnect. */
    RETAINED,
    /**
     * The topic is not a request to this device (bad levels, other account or device, not GET on
     * _all).
     */
    BAD_TOPIC,
    /** Over the rate limit of requests to {@code _all}. */
    RATE_LIMITED,
    /** The queue was full (in requests or in bytes). */
    QUEUE_FULL,
    /** The payload does not decode. */
    MALFORMED,
    /** The request id or requester would make an invalid reply topic: not run, not answered. */
    BAD_REPLY_TOPIC;

    /** The health metric that counts it. */
    public String metric() {
      return "requests_" + name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The router's bounds.
   *
   * @param maxRequestBytes largest payload read
   * @param queueRequests most requests waiting for their handler
   * @param queueBytes most payload bytes waiting for their handler
   * @param everyDevicePerMinute requests to {@code _all} taken per minute (a burst of that many at
   *     once is fine)
   */
  public record Limits(
      int maxRequestBytes, int queueRequests, long queueBytes, int everyDevicePerMinute) {
    public static final Limits DEFAULT = new Limits(MAX_REQUEST_BYTES, 256, 16L << 20, 30);

    public Limits {
      if (maxRequestBytes < 1
          || queueRequests < 1
          || queueBytes < maxRequestBytes
          || everyDevicePerMinute < 1) {
        throw new IllegalArgumentException(
            "request limits must be positive and the queue must hold one largest "
                + "request: "
                + maxRequestBytes
                + " bytes, "
                + queueRequests
                + " requests, "
                + queueBytes
                + " queued bytes, "
                + everyDevicePerMinute
                + " per minute");
      }
    }
  }

  /** Sends a reply; the engine queues it in its outbox. */
  public interface Replier {
    void reply(KuraTopic topic, Map<String, Object> metrics, byte[] body);
  }

  private final Map<String, RequestHandler> handlers = new ConcurrentHashMap<>();
  private volatile Limits limits;
  private volatile RateLimiter<Object> everyDevice;
  private final ThreadPoolExecutor executor;
  private final AtomicLong queuedBytes = new AtomicLong();
  private final Map<Outcome, AtomicLong> counts = new EnumMap<>(Outcome.class);

  public RequestRouter() {
    this(Limits.DEFAULT);
  }

  public RequestRouter(Limits limits) {
    for (Outcome o : Outcome.values()) {
      counts.put(o, new AtomicLong());
    }
    this.limits = limits;
    this.everyDevice = limiter(limits);
    executor =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(limits.queueRequests()),
            r -> {
              Thread t = new Thread(r, "uplink-requests");
              t.setDaemon(true);
              return t;
            });
  }

  private static RateLimiter<Object> limiter(Limits limits) {
    return RateLimiter.burstyBuilder(limits.everyDevicePerMinute(), Duration.ofMinutes(1)).build();
  }

  /**
   * New bounds from a configuration change; the request count of the queue stays as it was built.
   */
  public void limits(Limits next) {
    Limits previous = limits;
    limits = next;
    if (previous.everyDevicePerMinute() != next.everyDevicePerMinute()) {
      everyDevice = limiter(next);
    }
  }

  public Limits limits() {
    return limits;
  }

  public void add(RequestHandler handler) {
    String appId = handler.appId();
    if (appId == null || !KuraTopic.isLevel(appId) || appId.equals("MQTT")) {
      LOG.error(
          "request handler {} has the app id '{}', which is not one valid topic level; ignored",
          handler,
          appId == null ? null : KuraTopic.printable(appId));
      return;
    }
    RequestHandler previous = handlers.put(appId, handler);
    if (previous != null && previous != handler) {
      LOG.warn("two request handlers for {}: {} replaces {}", appId, handler, previous);
    }
  }

  public void remove(RequestHandler handler) {
    handlers.remove(handler.appId(), handler);
  }

  Set<String> appIds() {
    return new TreeSet<>(handlers.keySet());
  }

  static String[] filters(String account, String clientId, Collection<String> appIds) {
    List<String> out = new ArrayList<>();
    for (String appId : appIds) {
      out.add(KuraTopic.CONTROL_PREFIX + "/" + account + "/" + clientId + "/" + appId + "/#");
      out.add(
          KuraTopic.CONTROL_PREFIX + "/" + account + "/" + EVERY_DEVICE + "/" + appId + "/GET/#");
    }
    return out.toArray(String[]::new);
  }

  /** A request that passed the checks on arrival. */
  private record Accepted(String[] levels, RequestHandler handler) {}

  /**
   * What the MQTT client calls for every message: checks it and queues it for its handler; never
   * blocks.
   *
   * @param account the device's account
   * @param clientId the device's client id
   * @param topic the topic as the broker sent it
   * @param payload the payload as it came off the wire
   * @param retained the MQTT retain flag of the delivery
   * @param replier where the reply goes
   * @return {@link Outcome#QUEUED} or why it was not
   */
  public Outcome arrived(
      String account,
      String clientId,
      String topic,
      byte[] payload,
      boolean retained,
      Replier replier) {
    Object checked = check(account, clientId, topic, payload, retained);
    if (checked instanceof Outcome refused) {
      return refused;
    }
    Accepted accepted = (Accepted) checked;
    long bytes = payload.length;
    if (queuedBytes.addAndGet(bytes) > limits.queueBytes()) {
      queuedBytes.addAndGet(-bytes);
      return count(
          Outcome.QUEUE_FULL,
          topic,
          "the request queue holds " + limits.queueBytes() + " bytes already");
    }
    try {
      executor.execute(
          () -> {
            try {
              dispatch(accepted, payload, replier, account);
            } finally {
              queuedBytes.addAndGet(-bytes);
            }
          });
      return Outcome.QUEUED;
    } catch (RejectedExecutionException e) {
      queuedBytes.addAndGet(-bytes);
      return count(
          Outcome.QUEUE_FULL,
          topic,
          "the request queue holds " + limits.queueRequests() + " requests already");
    }
  }

  /**
   * The same checks as {@link #arrived}, then the handler runs on the calling thread: for tests and
   * fuzzing of the whole request path without the queue.
   */
  public Outcome process(
      String account,
      String clientId,
      String topic,
      byte[] payload,
      boolean retained,
      Replier replier) {
    Object checked = check(account, clientId, topic, payload, retained);
    if (checked instanceof Outcome refused) {
      return refused;
    }
    return dispatch((Accepted) checked, payload, replier, account);
  }

  /** An {@link Outcome} when refused, else the {@link Accepted} request. */
  private Object check(
      String account, String clientId, String topic, byte[] payload, boolean retained) {
    if (payload.length > limits.maxRequestBytes()) {
      return count(
          Outcome.TOO_LARGE,
          topic,
          payload.length + " bytes, more than " + limits.maxRequestBytes());
    }
    KuraTopic parsed = KuraTopic.parse(topic);
    if (parsed == null
        || parsed.kind() != KuraTopic.Kind.CONTROL
        || !parsed.account().equals(account)
        || !(parsed.clientId().equals(clientId) || parsed.clientId().equals(EVERY_DEVICE))) {
      String why = topic == null ? "no topic" : KuraTopic.topicProblem(topic);
      return count(
          Outcome.BAD_TOPIC,
          topic,
          why != null ? why : "not a request to " + account + "/" + clientId);
    }
    String[] levels = parsed.subject().split("/");
    if (levels.length < 2 || !METHODS.contains(levels[1])) {
      // Our own REPLY and NOTIFY topics, or another verb: not requests.
      return Outcome.NOT_A_REQUEST;
    }
    if (retained) {
      // Checked after the topic: the retained REPLY of some other device is none of our business.
      return count(
          Outcome.RETAINED, topic, "a retained request would run again on every reconnect");
    }
    boolean everyDevice = parsed.clientId().equals(EVERY_DEVICE);
    if (everyDevice && !levels[1].equals("GET")) {
      return count(Outcome.BAD_TOPIC, topic, "only GET may go to " + EVERY_DEVICE);
    }
    if (everyDevice && !this.everyDevice.tryAcquirePermit()) {
      return count(
          Outcome.RATE_LIMITED,
          topic,
          "over " + limits.everyDevicePerMinute() + " requests to " + EVERY_DEVICE + " per minute");
    }
    return new Accepted(levels, handlers.get(levels[0]));
  }

  private Outcome count(Outcome outcome, String topic, String why) {
    long n = counts.get(outcome).incrementAndGet();
    // The first of a kind and then every 1000th: a flood must not flood the log as well.
    if (n == 1 || n % 1000 == 0) {
      LOG.warn(
          "request on {} refused ({}, {} so far): {}",
          topic == null ? null : KuraTopic.printable(topic),
          outcome.metric(),
          n,
          why);
    }
    return outcome;
  }

  private Outcome dispatch(Accepted accepted, byte[] wire, Replier replier, String account) {
    String[] levels = accepted.levels();
    String where = String.join("/", levels);
    KuraPayload payload;
    try {
      payload = KuraPayloadCodec.decode(wire);
    } catch (MalformedPayloadException | RuntimeException e) {
      return count(Outcome.MALFORMED, where, String.valueOf(e.getMessage()));
    }
    String requestId = payload.stringMetric(Request.REQUEST_ID);
    String requester = payload.stringMetric(Request.REQUESTER_CLIENT_ID);
    if (requestId != null && !KuraTopic.isLevel(requestId)
        || requester != null && !KuraTopic.isLevel(requester)) {
      String problem =
          requestId != null && !KuraTopic.isLevel(requestId)
              ? "request.id: " + KuraTopic.levelProblem(requestId)
              : "requester.client.id: " + KuraTopic.levelProblem(requester);
      return count(Outcome.BAD_REPLY_TOPIC, where, problem);
    }
    Map<String, Object> metrics = new LinkedHashMap<>(payload.metrics());
    metrics.remove(Request.REQUEST_ID);
    metrics.remove(Request.REQUESTER_CLIENT_ID);
    Request request =
        new Request(
            levels[0],
            levels[1],
            List.of(levels).subList(2, levels.length),
            requestId,
            requester,
            metrics,
            payload.body());
    RequestHandler handler = accepted.handler();
    Response response;
    if (handler == null) {
      response = Response.error(404, "no handler for " + levels[0]);
    } else {
      try {
        response = handler.handle(request);
      } catch (RuntimeException e) {
        LOG.error(
            "request handler {} failed on {} {}", levels[0], levels[1], request.resources(), e);
        response = Response.error(500, e.getMessage());
      }
    }
    if (response != null && request.expectsReply()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(Response.CODE, response.code());
      m.put(Request.REQUEST_ID, requestId);
      response.metrics().forEach(m::putIfAbsent);
      replier.reply(
          KuraTopic.application(account, requester, levels[0], "REPLY", requestId),
          m,
          response.body());
    }
    counts.get(Outcome.HANDLED).incrementAndGet();
    return Outcome.HANDLED;
  }

  /** Tells every handler the link is up (on the request thread, after requests already queued). */
  void linkUp() {
    try {
      executor.execute(
          () ->
              handlers
                  .values()
                  .forEach(
                      h -> {
                        try {
                          h.linkUp();
                        } catch (RuntimeException e) {
                          LOG.error("request handler {} failed on link up", h.appId(), e);
                        }
                      }));
    } catch (RejectedExecutionException e) {
      count(Outcome.QUEUE_FULL, null, "no room to tell the handlers that the link is up");
    }
  }

  /** Requests refused since start, by outcome; only the refusals and {@link Outcome#HANDLED}. */
  public Map<String, Long> counters() {
    Map<String, Long> out = new LinkedHashMap<>();
    counts.forEach(
        (o, n) -> {
          if (o != Outcome.QUEUED && o != Outcome.NOT_A_REQUEST) {
            out.put(o.metric(), n.get());
          }
        });
    return out;
  }

  public long count(Outcome outcome) {
    return counts.get(outcome).get();
  }

  /** Requests waiting for their handler now. */
  public int queued() {
    return executor.getQueue().size();
  }

  /** Payload bytes waiting for their handler now. */
  public long queuedBytes() {
    return queuedBytes.get();
  }

  long malformed() {
    return counts.get(Outcome.MALFORMED).get() + counts.get(Outcome.BAD_TOPIC).get();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
