// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.Response;
import org.watchpost.inference.internal.DetectorComponent;
import org.watchpost.inference.internal.InferenceConfig;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.testing.Configs;

/**
 * A device in the test JVM: the real detector (ONNX Runtime) and the real model manager, talking
 * through a recording channel.
 */
final class TestDevice implements AutoCloseable {
  final DetectorComponent detector;
  final ModelSwitch modelSwitch;
  final ModelManager manager;
  final RecordingChannel channel = new RecordingChannel();
  final Path stateDir;
  final Console console;

  TestDevice(
      Path stateDir,
      Path factoryManifest,
      Path keysDir,
      Map<String, Object> overrides,
      UnaryOperator<ModelSwitch> wrap) {
    this(
        stateDir,
        factoryManifest,
        keysDir,
        overrides,
        wrap,
        new Console(stateDir.resolveSibling(stateDir.getFileName() + "-console-keys")));
  }

  /** A device that trusts this console (the same one again after a restart). */
  TestDevice(
      Path stateDir,
      Path factoryManifest,
      Path keysDir,
      Map<String, Object> overrides,
      UnaryOperator<ModelSwitch> wrap,
      Console console) {
    this.stateDir = stateDir;
    this.console = console;
    this.detector =
        new DetectorComponent(
            Configs.with(
                InferenceConfig.class,
                Map.of("model_manifest", factoryManifest.toString(), "warmup_runs", 0)));
    this.modelSwitch = wrap.apply(detector);
    Map<String, Object> config =
        new HashMap<>(
            Map.of(
                "state_dir",
                stateDir.toString(),
                "trusted_keys_dir",
                keysDir.toString(),
                "validation_runs",
                2,
                "probation_s",
                1,
                "probation_min_calls",
                5,
                "chunk_bytes",
                64 * 1024,
                "chunks_in_flight",
                2,
                "console_keys_dir",
                console.keysDir.toString(),
                // The test's package server listens on loopback.
                "https_allowed_hosts",
                "127.0.0.1,localhost",
                // Sub-millisecond tiny models on a shared machine: latency is checked where it is
                // the point, with more runs.
                "latency_factor",
                20.0));
    config.putAll(overrides);
    this.manager =
        new ModelManager(
            ModelsSettings.from(Configs.with(ModelsConfig.class, config)),
            modelSwitch,
            () -> channel);
    manager.start();
  }

  static TestDevice start(Path stateDir, Path factoryManifest, Path keysDir) {
    return new TestDevice(stateDir, factoryManifest, keysDir, Map.of(), s -> s);
  }

  /**
   * Sends the package over MODEL-V1 in chunks (as the console would) and waits for the job's
   * outcome.
   */
  Notification install(Path pkg, String job, Set<ModelProtocol.Status> until) throws Exception {
    channel.serve(manager, pkg);
    Response response = put(pkg, job, true);
    if (response.code() != 200) {
      throw new AssertionError("PUT package answered " + response);
    }
    return await(job, until, 60_000);
  }

  Response put(Path pkg, String job, boolean activate) throws Exception {
    channel.serve(manager, pkg);
    return handle(Console.putMqtt(pkg, job, activate, Map.of()));
  }

  /**
   * Hands a request to the manager as the uplink would, signed for this device by the test console.
   */
  Response handle(Request request) {
    return manager.handle(console.sign(request, channel.clientId()));
  }

  Notification await(String job, Set<ModelProtocol.Status> until, long timeoutMillis)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      Notification last = channel.lastStatus(job);
      if (last != null
          && until.contains(
              ModelProtocol.Status.valueOf((String) last.metrics().get(ModelProtocol.STATUS)))) {
        return last;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(
        "job "
            + job
            + " did not reach "
            + until
            + " within "
            + timeoutMillis
            + " ms; last: "
            + channel.lastStatus(job)
            + "; all: "
            + channel.installs(n -> true));
  }

  Response get() {
    return manager.handle(
        new Request(
            ModelProtocol.APP_ID,
            "GET",
            List.of(ModelProtocol.RESOURCE_MODELS),
            "g",
            "console",
            Map.of(),
            null));
  }

  String activeVersion() {
    return detector.active() == null ? null : detector.active().info().version();
  }

  @Override
  public void close() {
    manager.close();
    detector.deactivate();
  }
}
