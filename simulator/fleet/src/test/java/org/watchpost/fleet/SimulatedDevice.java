// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.watchpost.api.detect.LoadedModel;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.api.detect.ServingStats;
import org.watchpost.inference.internal.DetectorComponent;
import org.watchpost.inference.internal.InferenceConfig;
import org.watchpost.models.internal.ModelManagerComponent;
import org.watchpost.models.internal.ModelsConfig;
import org.watchpost.testing.Configs;
import org.watchpost.uplink.internal.UplinkComponent;
import org.watchpost.uplink.internal.UplinkConfig;

/**
 * One camera unit in the test JVM, wired as Declarative Services would wire it: the real detector
 * (ONNX Runtime), the real uplink over the broker, the real model manager. Optionally its model
 * loads fail the first N times (failure injection, for the retries).
 */
final class SimulatedDevice implements AutoCloseable {
  final String clientId;
  final DetectorComponent detector;
  final UplinkComponent uplink;
  final ModelManagerComponent models;

  SimulatedDevice(
      String clientId,
      Path dir,
      String brokerUrl,
      Path factoryManifest,
      Path keysDir,
      String platform,
      int failingLoads) {
    this(
        clientId,
        dir,
        brokerUrl,
        factoryManifest,
        keysDir,
        platform,
        failingLoads,
        Map.of(),
        Map.of());
  }

  SimulatedDevice(
      String clientId,
      Path dir,
      String brokerUrl,
      Path factoryManifest,
      Path keysDir,
      String platform,
      int failingLoads,
      Map<String, Object> uplinkExtra,
      Map<String, Object> modelsExtra) {
    this.clientId = clientId;
    this.detector =
        new DetectorComponent(
            Configs.with(
                InferenceConfig.class,
                Map.of("model_manifest", factoryManifest.toString(), "warmup_runs", 0)));
    Map<String, Object> uplinkConfig = new HashMap<>();
    uplinkConfig.put("broker_url", brokerUrl);
    uplinkConfig.put("account", "fleet");
    uplinkConfig.put("client_id", clientId);
    uplinkConfig.put("outbox_path", dir.resolve("outbox.db").toString());
    uplinkConfig.put("reconnect_initial_ms", 100L);
    uplinkConfig.put("reconnect_max_ms", 1_000L);
    uplinkConfig.put("drain_on_stop_s", 1);
    uplinkConfig.putAll(uplinkExtra);
    this.uplink = new UplinkComponent(Configs.with(UplinkConfig.class, uplinkConfig));
    ModelSwitch modelSwitch = failingLoads > 0 ? new FlakyLoads(detector, failingLoads) : detector;
    Map<String, Object> modelsConfig =
        new HashMap<>(
            Map.of(
                "state_dir",
                dir.resolve("models").toString(),
                "trusted_keys_dir",
                keysDir.toString(),
                "platform",
                platform,
                "probation_s",
                1,
                "validation_runs",
                1,
                "chunk_bytes",
                4096,
                // Nine devices share two cores here: latency is validated in the models bundle, not
                // across this crowd.
                "latency_factor",
                20.0,
                // The test console's key (ConsoleKeys) beside the model-signing keys.
                "console_keys_dir",
                ConsoleKeys.dirFor(keysDir).toString()));
    modelsConfig.putAll(modelsExtra);
    this.models =
        new ModelManagerComponent(Configs.with(ModelsConfig.class, modelsConfig), modelSwitch);
    models.bindChannel(uplink);
    uplink.bindRequestHandler(models);
  }

  String activeVersion() {
    return detector.active().info().version();
  }

  @Override
  public void close() {
    uplink.unbindRequestHandler(models);
    models.unbindChannel(uplink);
    closeQuietly(models);
    closeQuietly(uplink);
    detector.deactivate();
  }

  private static void closeQuietly(Object component) {
    try {
      var deactivate = component.getClass().getDeclaredMethod("deactivate");
      deactivate.setAccessible(true);
      deactivate.invoke(component);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Fails the first N loads of a candidate, as a device short of memory would. */
  private static final class FlakyLoads implements ModelSwitch {
    private final ModelSwitch real;
    private final AtomicInteger failuresLeft;

    FlakyLoads(ModelSwitch real, int failures) {
      this.real = real;
      this.failuresLeft = new AtomicInteger(failures);
    }

    @Override
    public LoadedModel load(Path manifest) throws ModelLoadException {
      if (failuresLeft.getAndDecrement() > 0) {
        throw new ModelLoadException(
            "injected: ONNX Runtime could not allocate the session (out of memory)", null);
      }
      return real.load(manifest);
    }

    @Override
    public LoadedModel active() {
      return real.active();
    }

    @Override
    public LoadedModel activate(LoadedModel model) {
      return real.activate(model);
    }

    @Override
    public ServingStats servingStats() {
      return real.servingStats();
    }
  }
}
