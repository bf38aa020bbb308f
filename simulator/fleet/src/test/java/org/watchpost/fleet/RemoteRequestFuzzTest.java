// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.RemoteChannel;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.RequestHandler;
import org.watchpost.api.remote.Response;
import org.watchpost.inference.internal.DetectorComponent;
import org.watchpost.inference.internal.InferenceConfig;
import org.watchpost.models.internal.ModelManagerComponent;
import org.watchpost.models.internal.ModelsConfig;
import org.watchpost.models.packaging.SigningKeys;
import org.watchpost.models.protocol.CommandSignature;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;
import org.watchpost.testing.TinyOnnx;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.internal.RequestRouter;

/**
 * The remote-request path end to end (issue 12): what a request can carry (topic levels, a
 * KuraPayload or arbitrary bytes, sometimes validly signed by the console so that the fuzzer gets
 * past the signature) goes into the uplink's real {@link RequestRouter} and from there into the
 * MODEL-V1 handler of a real model manager (real detector). A handler that throws, a request that
 * is not done within 10 s (a hang), or state that grows (queue, nonces, files under the state
 * directory) is a finding.
 */
class RemoteRequestFuzzTest {
  private static final String ACCOUNT = "acme";
  private static final String DEVICE = "cam-fuzz";
  private static final List<String> METHODS =
      List.of("GET", "PUT", "EXEC", "POST", "DEL", "REPLY", "NOTIFY", "");
  private static final List<String> RESOURCES =
      List.of("models", "package", "chunk", "activate", "rollback", "cancel", "");
  private static final List<String> METRICS =
      List.of(
          ModelProtocol.JOB_ID,
          ModelProtocol.PACKAGE_SHA256,
          ModelProtocol.PACKAGE_SIZE,
          ModelProtocol.TRANSPORT,
          ModelProtocol.URL,
          ModelProtocol.ACTIVATE,
          ModelProtocol.OFFSET,
          ModelProtocol.CHUNK_SHA256,
          ModelProtocol.BLOCK_SIZE,
          ModelProtocol.ROLLBACK,
          Request.REQUEST_ID,
          Request.REQUESTER_CLIENT_ID,
          CommandSignature.NONCE,
          CommandSignature.EXPIRES,
          "x");

  private static RequestRouter router;
  private static ModelManagerComponent models;
  private static Path stateDir;
  private static KeyPair console;
  private static final AtomicReference<Throwable> thrown = new AtomicReference<>();
  private static final Map<String, CountDownLatch> sentinels = new ConcurrentHashMap<>();
  private static final AtomicLong sentinel = new AtomicLong();

  private static synchronized void setUp() throws Exception {
    if (router != null) {
      return;
    }
    Path dir = SharedData.scratchDirectory("fuzz-remote");
    Path factory =
        TestModels.tinyYolox(
            dir.resolve("factory"),
            "tiny-yolox",
            "1.0.0",
            TinyOnnx.model(TinyOnnx.onePerson()),
            List.of("linux-x86_64", "linux-aarch64"));
    Path keys = dir.resolve("keys");
    Path consoleKeys = dir.resolve("console-keys");
    Files.createDirectories(keys);
    Files.createDirectories(consoleKeys);
    Files.writeString(
        keys.resolve("release.pub"), SigningKeys.publicPem(SigningKeys.generate().getPublic()));
    console = SigningKeys.generate();
    Files.writeString(
        consoleKeys.resolve("console.pub"), SigningKeys.publicPem(console.getPublic()));
    stateDir = dir.resolve("state");
    DetectorComponent detector =
        new DetectorComponent(
            Configs.with(
                InferenceConfig.class,
                Map.of("model_manifest", factory.toString(), "warmup_runs", 0)));
    models =
        new ModelManagerComponent(
            Configs.with(
                ModelsConfig.class,
                Map.of(
                    "state_dir",
                    stateDir.toString(),
                    "trusted_keys_dir",
                    keys.toString(),
                    "console_keys_dir",
                    consoleKeys.toString(),
                    "transfer_deadline_s",
                    5,
                    "chunk_timeout_s",
                    1,
                    "https_timeout_s",
                    1,
                    "transfer_attempts",
                    1)),
            detector);
    models.bindChannel(
        new RemoteChannel() {
          @Override
          public boolean notify(Notification n) {
            return true;
          }

          @Override
          public String clientId() {
            return DEVICE;
          }

          @Override
          public boolean connected() {
            return true;
          }
        });
    router = new RequestRouter();
    router.add(
        new RequestHandler() {
          @Override
          public String appId() {
            return ModelProtocol.APP_ID;
          }

          @Override
          public Response handle(Request request) {
            try {
              return models.handle(request);
            } catch (Throwable t) {
              thrown.compareAndSet(null, t);
              throw t;
            }
          }
        });
  }

  private static final RequestRouter.Replier REPLIER =
      (topic, metrics, body) -> {
        Object id = metrics.get(Request.REQUEST_ID);
        CountDownLatch done = id == null ? null : sentinels.remove(id.toString());
        if (done != null) {
          done.countDown();
        }
      };

  private static Object metricValue(FuzzedDataProvider data) {
    return switch (data.consumeInt(0, 5)) {
      case 0 -> data.consumeString(80);
      case 1 -> data.consumeLong();
      case 2 -> data.consumeInt();
      case 3 -> data.consumeBoolean();
      case 4 -> data.consumeDouble();
      default -> data.consumeBytes(64);
    };
  }

  @FuzzTest(maxDuration = "8s")
  void anythingARequestCarriesIsAnsweredOrRefusedAndNothingGrows(FuzzedDataProvider data)
      throws Exception {
    setUp();
    boolean retained = data.consumeBoolean();
    String client = data.pickValue(List.of(DEVICE, "_all", "other", data.consumeString(20)));
    String method = data.pickValue(METHODS);
    String resource = data.consumeBoolean() ? data.pickValue(RESOURCES) : data.consumeString(40);
    String topic =
        "$EDC/"
            + ACCOUNT
            + "/"
            + client
            + "/"
            + ModelProtocol.APP_ID
            + "/"
            + method
            + "/"
            + resource
            + (data.consumeBoolean() ? "/" + data.consumeString(20) : "");
    byte[] wire;
    if (data.consumeBoolean()) {
      Map<String, Object> metrics = new LinkedHashMap<>();
      int n = data.consumeInt(0, 8);
      for (int i = 0; i < n; i++) {
        metrics.put(
            data.consumeBoolean() ? data.pickValue(METRICS) : data.consumeString(20),
            metricValue(data));
      }
      byte[] body = data.consumeBoolean() ? data.consumeBytes(512) : null;
      if (data.consumeBoolean()) {
        long now = System.currentTimeMillis();
        String requester = metrics.get(Request.REQUESTER_CLIENT_ID) instanceof String s ? s : null;
        Map<String, Object> params = new LinkedHashMap<>(metrics);
        params.remove(Request.REQUEST_ID);
        params.remove(Request.REQUESTER_CLIENT_ID);
        metrics.putAll(
            CommandSignature.sign(
                ModelProtocol.APP_ID,
                method,
                List.of(resource.split("/", -1)),
                requester,
                params,
                body,
                data.pickValue(List.of(DEVICE, "_all", "other")),
                now - data.consumeInt(-1000, 600_000),
                now + data.consumeInt(-1000, 600_000),
                console.getPrivate(),
                console.getPublic()));
      }
      try {
        wire =
            KuraPayloadCodec.encode(
                new KuraPayload(
                    data.consumeBoolean() ? null : data.consumeLong(), null, metrics, body));
      } catch (RuntimeException unencodable) {
        return;
      }
    } else {
      wire = data.consumeRemainingAsBytes();
    }
    router.arrived(ACCOUNT, DEVICE, topic, wire, retained, REPLIER);

    // A GET behind it: when its reply comes, the fuzzed request has been dealt with (one request at
    // a time).
    String id = "sentinel-" + sentinel.incrementAndGet();
    CountDownLatch done = new CountDownLatch(1);
    sentinels.put(id, done);
    router.arrived(
        ACCOUNT,
        DEVICE,
        "$EDC/" + ACCOUNT + "/" + DEVICE + "/MODEL-V1/GET/models",
        KuraPayloadCodec.encode(
            new KuraPayload(
                null,
                null,
                Map.of(Request.REQUEST_ID, id, Request.REQUESTER_CLIENT_ID, "fuzzer"),
                null)),
        false,
        REPLIER);
    if (!done.await(10, TimeUnit.SECONDS)) {
      sentinels.remove(id);
      throw new AssertionError(
          "request on " + topic + " not done within 10 s; health " + models.metrics());
    }
    if (thrown.get() != null) {
      throw new AssertionError("the MODEL-V1 handler threw on " + topic, thrown.get());
    }
    Map<String, Object> health = models.metrics();
    if ((Long) health.get("model_queue") > 256 || (Long) health.get("model_nonces") > 4096) {
      throw new AssertionError("state grows: " + health);
    }
    try (Stream<Path> files = Files.walk(stateDir)) {
      long count = files.count();
      if (count > 32) {
        throw new AssertionError(count + " files under the state directory");
      }
    }
  }
}
