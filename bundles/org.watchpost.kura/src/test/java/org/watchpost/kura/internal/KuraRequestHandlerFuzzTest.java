// SPDX-License-Identifier: Apache-2.0
package org.watchpost.kura.internal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.message.KuraPayload;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.RequestHandler;
import org.watchpost.api.remote.Response;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * Everything Kura's cloud service can hand the request bridge from a request that arrived from the
 * cloud: the {@code args} property (any length, any element), payload metrics of any name and value
 * type, any body, any of the five verbs. Either the request is refused with BAD_REQUEST before the
 * handler runs, or the handler sees a request as the standalone router would give it (at most 12
 * resource levels, each a valid topic level; request id and requester valid topic levels or absent)
 * and its reply (echoing the hostile metrics) translates back. Anything else (another exception,
 * another code) is a finding. Replays its corpus in verify; fuzzes 10 s under -Pfuzz.
 */
class KuraRequestHandlerFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void hostileCloudRequestsAreHandledOrRefusedCleanly(FuzzedDataProvider data) {
    List<Request> seen = new ArrayList<>();
    RequestHandler echo =
        new RequestHandler() {
          @Override
          public String appId() {
            return "MODEL-V1";
          }

          @Override
          public Response handle(Request request) {
            seen.add(request);
            Map<String, Object> back = new HashMap<>(request.metrics());
            back.put("resources", request.resources());
            return Response.ok(back);
          }
        };
    KuraRequestHandler bridge =
        new KuraRequestHandler(echo, new KuraRequestHandlerTest.Registry(), p -> {});

    Map<String, Object> properties = new HashMap<>();
    int argsKind = data.consumeInt(0, 3);
    if (argsKind == 1) {
      List<Object> args = new ArrayList<>();
      int n = data.consumeInt(0, 14);
      for (int i = 0; i < n; i++) {
        args.add(data.consumeInt(0, 9) == 0 ? (Object) data.consumeInt() : data.consumeString(80));
      }
      properties.put("args", args);
    } else if (argsKind == 2) {
      properties.put("args", data.consumeString(80));
    }
    KuraPayload payload = new KuraPayload();
    int metrics = data.consumeInt(0, 12);
    for (int i = 0; i < metrics; i++) {
      String name =
          switch (data.consumeInt(0, 3)) {
            case 0 -> Request.REQUEST_ID;
            case 1 -> Request.REQUESTER_CLIENT_ID;
            default -> data.consumeString(24);
          };
      Object value =
          switch (data.consumeInt(0, 8)) {
            case 0 -> data.consumeLong();
            case 1 -> data.consumeInt();
            case 2 -> data.consumeDouble();
            case 3 -> data.consumeFloat();
            case 4 -> data.consumeBoolean();
            case 5 -> data.consumeBytes(64);
            case 6 -> List.of(data.consumeString(16));
            default -> data.consumeString(120);
          };
      payload.addMetric(name, value);
    }
    if (data.consumeBoolean()) {
      payload.setBody(data.consumeBytes(4096));
    }
    KuraMessage message =
        data.consumeInt(0, 15) == 0 ? new KuraMessage(null) : new KuraMessage(payload, properties);
    try {
      KuraMessage reply =
          switch (data.consumeInt(0, 4)) {
            case 0 -> bridge.doGet(null, message);
            case 1 -> bridge.doPut(null, message);
            case 2 -> bridge.doPost(null, message);
            case 3 -> bridge.doDel(null, message);
            default -> bridge.doExec(null, message);
          };
      if (seen.size() != 1) {
        throw new AssertionError("answered without the handler: " + seen);
      }
      Request r = seen.get(0);
      if (r.resources().size() > 12 || !r.resources().stream().allMatch(KuraTopic::isLevel)) {
        throw new AssertionError(
            "resources the standalone router would never give: " + r.resources());
      }
      for (String level : new String[] {r.requestId(), r.requesterClientId()}) {
        if (level != null && !KuraTopic.isLevel(level)) {
          throw new AssertionError(
              "a reply topic level that is none: " + KuraTopic.printable(level));
        }
      }
      reply
          .getPayload()
          .metrics()
          .values()
          .forEach(
              v -> {
                if (!org.watchpost.uplink.codec.KuraPayload.isMetricValue(v)) {
                  throw new AssertionError("a reply metric Kura cannot carry: " + v.getClass());
                }
              });
    } catch (KuraException e) {
      if (e.getCode() != KuraErrorCode.BAD_REQUEST || !seen.isEmpty()) {
        throw new AssertionError(
            "refused otherwise than BAD_REQUEST before the handler: " + e.getCode(), e);
      }
    }
  }
}
