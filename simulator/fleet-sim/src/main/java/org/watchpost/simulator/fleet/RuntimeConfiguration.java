// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OSGi Configurator file that the host tools (demo, camera bench, simulated devices) hand to a
 * real runtime: one place that knows the PIDs and the properties every such runtime needs, so that
 * the tools differ only in what they mean to differ in.
 */
public final class RuntimeConfiguration {
  /**
   * The camera component's references that a host tool's camera waits for before it takes its first
   * frame (DS reads {@code <reference name>.cardinality.minimum}; a misspelt name is ignored
   * without a word, and the camera then starts before its sink or its health observer).
   */
  public static final List<String> CAMERA_WAITS_FOR =
      List.of("analytics", "eventSinks", "frameObservers");

  static final String RULES = "bundles/org.watchpost.analytics/config/vtest-rules.json";

  private final Map<String, Object> root = new LinkedHashMap<>();

  public RuntimeConfiguration(String symbolicName) {
    root.put(":configurator:resource-version", 1);
    root.put(":configurator:symbolic-name", symbolicName);
    root.put(":configurator:version", "1.0.0");
  }

  public RuntimeConfiguration detector(Path manifest, int intraOpThreads) {
    Map<String, Object> inference = new LinkedHashMap<>();
    inference.put("model.manifest", manifest.toAbsolutePath().toString());
    inference.put("intra.op.threads", intraOpThreads);
    root.put("org.watchpost.inference", inference);
    return this;
  }

  /**
   * A camera that waits for its analytics, sinks and health; the caller adds what its camera needs.
   */
  public Map<String, Object> camera(String id, String source) {
    Map<String, Object> camera = new LinkedHashMap<>();
    camera.put("camera.id", id);
    camera.put("source", source);
    for (String reference : CAMERA_WAITS_FOR) {
      camera.put(reference + ".cardinality.minimum", 1);
    }
    root.put("org.watchpost.camera~" + id, camera);
    return camera;
  }

  /** The rules the demo's figures are measured with (lawn zone, path line, counts). */
  public RuntimeConfiguration vtestRules(Path projectRoot) throws IOException {
    JsonObject rules =
        JsonParser.parseString(Files.readString(projectRoot.resolve(RULES))).getAsJsonObject();
    for (Map.Entry<String, JsonElement> rule : rules.entrySet()) {
      if (!rule.getKey().startsWith(":configurator:")) {
        root.put(rule.getKey(), rule.getValue());
      }
    }
    return this;
  }

  /** The uplink to a broker; the caller adds identity and timers. */
  public Map<String, Object> uplink(
      String brokerUrl, String clientId, Path outbox, long budgetBitsPerSecond) {
    Map<String, Object> uplink = new LinkedHashMap<>();
    uplink.put("broker.url", brokerUrl);
    uplink.put("account", "watchpost");
    uplink.put("client.id", clientId);
    uplink.put("outbox.path", outbox.toString());
    uplink.put("budget.bits.per.s", budgetBitsPerSecond);
    root.put("org.watchpost.uplink", uplink);
    return uplink;
  }

  /** Camera and device health's state under {@code work}; the caller may add intervals. */
  public Map<String, Object> health(Path baselines, Path work) {
    Map<String, Object> camera = new LinkedHashMap<>();
    camera.put("baseline.dir", baselines.toString());
    root.put("org.watchpost.health.camera", camera);
    Map<String, Object> device = new LinkedHashMap<>();
    device.put("data.dir", work.toString());
    root.put("org.watchpost.health.device", device);
    return camera;
  }

  /** Model state under {@code work}, packages checked against the project's trusted keys. */
  public RuntimeConfiguration models(Path stateDirectory, Path trustedKeys) {
    root.put(
        "org.watchpost.models",
        Map.of("state.dir", stateDirectory.toString(), "trusted.keys.dir", trustedKeys.toString()));
    return this;
  }

  /** Any other configuration by PID. */
  public Map<String, Object> pid(String pid) {
    @SuppressWarnings("unchecked")
    Map<String, Object> properties =
        (Map<String, Object>) root.computeIfAbsent(pid, p -> new LinkedHashMap<>());
    return properties;
  }

  public String json() {
    return new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n";
  }
}
