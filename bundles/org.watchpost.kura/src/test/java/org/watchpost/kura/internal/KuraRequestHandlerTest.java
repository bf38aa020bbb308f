// SPDX-License-Identifier: Apache-2.0
package org.watchpost.kura.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.request.RequestHandlerRegistry;
import org.eclipse.kura.message.KuraPayload;
import org.junit.jupiter.api.Test;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.RequestHandler;
import org.watchpost.api.remote.Response;

/** The translation between Kura's request handler contract and Watchpost's, both ways. */
class KuraRequestHandlerTest {

  /** A registry that keeps what it is given, as Kura's does. */
  static final class Registry implements RequestHandlerRegistry {
    final Map<String, org.eclipse.kura.cloudconnection.request.RequestHandler> handlers =
        Collections.synchronizedMap(new HashMap<>());

    @Override
    public void registerRequestHandler(
        String id, org.eclipse.kura.cloudconnection.request.RequestHandler h) {
      handlers.put(id, h);
    }

    @Override
    public void unregister(String id) {
      handlers.remove(id);
    }
  }

  static final class Recording implements RequestHandler {
    final List<Request> seen = new ArrayList<>();
    Response answer = Response.ok(Map.of("state", "ACTIVE", "count", 2L));

    @Override
    public String appId() {
      return "MODEL-V1";
    }

    @Override
    public Response handle(Request request) {
      seen.add(request);
      return answer;
    }
  }

  private static KuraMessage message(List<String> args, Map<String, Object> metrics, byte[] body) {
    KuraPayload p = new KuraPayload();
    metrics.forEach(p::addMetric);
    p.setBody(body);
    return new KuraMessage(p, Map.of("args", args));
  }

  @Test
  void registersUnderItsAppIdAndTranslatesBothWays() throws KuraException {
    Registry registry = new Registry();
    Recording handler = new Recording();
    KuraRequestHandler adapter = new KuraRequestHandler(handler, registry, p -> {});
    assertTrue(adapter.register());
    assertSame(adapter, registry.handlers.get("MODEL-V1"));

    byte[] body = "chunk".getBytes(StandardCharsets.UTF_8);
    KuraMessage reply =
        registry
            .handlers
            .get("MODEL-V1")
            .doPut(
                null,
                message(
                    List.of("package", "x"),
                    Map.of(
                        Request.REQUEST_ID,
                        "r1",
                        Request.REQUESTER_CLIENT_ID,
                        "console",
                        "size",
                        7L),
                    body));

    Request seen = handler.seen.get(0);
    assertEquals("PUT", seen.method());
    assertEquals(List.of("package", "x"), seen.resources());
    assertEquals("r1", seen.requestId());
    assertEquals("console", seen.requesterClientId());
    assertEquals(7L, seen.longMetric("size"));
    assertArrayEquals(body, seen.body());
    assertEquals("ACTIVE", reply.getPayload().getMetric("state"));
    assertEquals(2L, reply.getPayload().getMetric("count"));

    adapter.unregister();
    assertNull(registry.handlers.get("MODEL-V1"));
  }

  @Test
  void anErrorResponseBecomesAKuraExceptionWithItsCode() {
    Recording handler = new Recording();
    handler.answer = Response.error(404, "MODEL-V1 has no GET nothing");
    KuraRequestHandler adapter = new KuraRequestHandler(handler, new Registry(), p -> {});
    KuraException e =
        assertThrows(
            KuraException.class,
            () -> adapter.doGet(null, message(List.of("nothing"), Map.of(), null)));
    assertEquals(KuraErrorCode.NOT_FOUND, e.getCode());
    assertTrue(e.getMessage().contains("has no GET nothing"), e.getMessage());
  }

  @Test
  void refusesWhatTheStandaloneRouterRefuses() {
    KuraRequestHandler adapter = new KuraRequestHandler(new Recording(), new Registry(), p -> {});
    List<String> deep = new ArrayList<>();
    for (int i = 0; i < 13; i++) {
      deep.add("l" + i);
    }
    assertEquals(
        KuraErrorCode.BAD_REQUEST,
        assertThrows(KuraException.class, () -> adapter.doExec(null, message(deep, Map.of(), null)))
            .getCode());
    assertEquals(
        KuraErrorCode.BAD_REQUEST,
        assertThrows(KuraException.class, () -> adapter.doExec(null, new KuraMessage(null)))
            .getCode());
  }

  @Test
  void aFailingHandlerIsAnInternalErrorNotACrash() {
    AtomicReference<Object> unused = new AtomicReference<>();
    RequestHandler broken =
        new RequestHandler() {
          @Override
          public String appId() {
            return "MODEL-V1";
          }

          @Override
          public Response handle(Request request) {
            throw new IllegalStateException("boom");
          }
        };
    KuraRequestHandler adapter = new KuraRequestHandler(broken, new Registry(), unused::set);
    assertEquals(
        KuraErrorCode.INTERNAL_ERROR,
        assertThrows(
                KuraException.class, () -> adapter.doGet(null, message(List.of(), Map.of(), null)))
            .getCode());
  }

  /**
   * Found by KuraRequestHandlerFuzzTest: what comes from the cloud goes into topics later (the
   * requester into the NOTIFY topic Kura's notification publisher builds, the resources into job
   * names): each must be one valid topic level, as the standalone router's topic split makes them,
   * or the request is refused before any handler runs.
   */
  @Test
  void aRequesterOrResourceThatIsNoTopicLevelIsRefused() {
    Recording handler = new Recording();
    KuraRequestHandler adapter = new KuraRequestHandler(handler, new Registry(), p -> {});
    for (KuraMessage hostile :
        List.of(
            message(
                List.of("models"),
                Map.of(Request.REQUEST_ID, "r1", Request.REQUESTER_CLIENT_ID, "console/#"),
                null),
            message(
                List.of("models"),
                Map.of(Request.REQUEST_ID, "r/+", Request.REQUESTER_CLIENT_ID, "console"),
                null),
            message(List.of("models", "a/b"), Map.of(), null),
            message(List.of("x".repeat(65)), Map.of(), null),
            message(List.of("models\u0000"), Map.of(), null),
            new KuraMessage(new KuraPayload(), Map.of("args", List.of(List.of("nested")))))) {
      assertEquals(
          KuraErrorCode.BAD_REQUEST,
          assertThrows(KuraException.class, () -> adapter.doGet(null, hostile)).getCode(),
          hostile.getProperties() + " " + hostile.getPayload().metrics());
    }
    assertEquals(List.of(), handler.seen, "no handler ran");
  }

  /**
   * A request larger than the standalone router takes (4 MiB) is refused before it is copied for
   * the handler.
   */
  @Test
  void aRequestOverTheStandaloneLimitIsRefused() {
    Recording handler = new Recording();
    KuraRequestHandler adapter = new KuraRequestHandler(handler, new Registry(), p -> {});
    assertEquals(
        KuraErrorCode.BAD_REQUEST,
        assertThrows(
                KuraException.class,
                () ->
                    adapter.doPut(
                        null, message(List.of("package"), Map.of(), new byte[(4 << 20) + 1])))
            .getCode());
    Map<String, Object> many = new java.util.HashMap<>();
    for (int i = 0; i < 5_000; i++) {
      many.put("m" + i, "v".repeat(1_000));
    }
    assertEquals(
        KuraErrorCode.BAD_REQUEST,
        assertThrows(
                KuraException.class,
                () -> adapter.doPut(null, message(List.of("package"), many, null)))
            .getCode());
    assertEquals(List.of(), handler.seen, "no handler ran");
  }
}
