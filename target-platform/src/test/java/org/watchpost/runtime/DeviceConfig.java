// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * The device configuration (OSGi Configurator format) the runtime ITs start from: the real model,
 * one camera "gate" on vtest, the analytics, health kept under the test's directory, and an uplink
 * whose broker is not there (its outbox fills and it reports itself disconnected). Each IT adds
 * what it tests (rules, the OPC UA server, the installer's page) and writes it.
 */
final class DeviceConfig {
  private DeviceConfig() {}

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * @param name the configuration resource's symbolic name
   * @param camera properties of camera "gate" beyond its id, source and cardinality minimum
   * @param analytics properties of the analytics (org.watchpost.analytics)
   */
  static JsonObject base(
      Path work, String name, Map<String, Object> camera, Map<String, Object> analytics)
      throws IOException {
    JsonObject root = new JsonObject();
    root.addProperty(":configurator:resource-version", 1);
    root.addProperty(":configurator:symbolic-name", name);
    root.addProperty(":configurator:version", "1.0.0");
    JsonObject inference = new JsonObject();
    inference.addProperty("model.manifest", TestModels.yoloxNanoManifest().toString());
    inference.addProperty("warmup.runs", 1);
    root.add("org.watchpost.inference", inference);
    JsonObject gate = new JsonObject();
    gate.addProperty("camera.id", "gate");
    gate.addProperty("source", SharedData.vtestMjpeg().toString());
    gate.addProperty("analytics.cardinality.minimum", 1);
    add(gate, camera);
    root.add("org.watchpost.camera~gate", gate);
    root.add("org.watchpost.analytics", add(new JsonObject(), analytics));
    JsonObject health = new JsonObject();
    health.addProperty("baseline.dir", work.resolve("baselines").toString());
    root.add("org.watchpost.health.camera", health);
    JsonObject device = new JsonObject();
    device.addProperty("data.dir", work.toString());
    device.addProperty("report.interval.s", 2);
    root.add("org.watchpost.health.device", device);
    JsonObject uplink = new JsonObject();
    uplink.addProperty("broker.url", "tcp://127.0.0.1:" + freePort());
    uplink.addProperty("outbox.path", work.resolve("outbox.db").toString());
    uplink.addProperty("reconnect.initial.ms", 60_000);
    uplink.addProperty("drain.on.stop.s", 0);
    root.add("org.watchpost.uplink", uplink);
    return root;
  }

  /** {@code properties} added to {@code target}, each as JSON. */
  static JsonObject add(JsonObject target, Map<String, Object> properties) {
    properties.forEach((k, v) -> target.add(k, new GsonBuilder().create().toJsonTree(v)));
    return target;
  }

  /** Writes the configuration as {@code work/config.json}. */
  static Path write(Path work, JsonObject root) throws IOException {
    Path file = work.resolve("config.json");
    Files.createDirectories(work);
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(root));
    return file;
  }
}
