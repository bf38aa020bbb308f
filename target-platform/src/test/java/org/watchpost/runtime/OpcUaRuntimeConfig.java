package org.watchpost.runtime;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/** A device configuration (OSGi Configurator format) with one camera on vtest, the vtest rules and the OPC UA server. */
final class OpcUaRuntimeConfig {
  private OpcUaRuntimeConfig() {}

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * @param camera properties of camera "gate" beyond its id and source
   * @param opcua properties of the OPC UA server beyond its port, host, PKI and credential file; null: not configured
   * @param countIntervalS the rules' count interval, shorter than the file's minute so counts move within a test
   * @param analytics properties of the analytics (org.watchpost.analytics)
   */
  static Path write(Path work, int port, Map<String, Object> camera, Map<String, Object> opcua, int countIntervalS,
      Map<String, Object> analytics) throws IOException {
    JsonObject root = new JsonObject();
    root.addProperty(":configurator:resource-version", 1);
    root.addProperty(":configurator:symbolic-name", "watchpost.opcua-it");
    root.addProperty(":configurator:version", "1.0.0");
    JsonObject inference = new JsonObject();
    inference.addProperty("model.manifest", TestModels.yoloxNanoManifest().toString());
    inference.addProperty("warmup.runs", 1);
    root.add("org.watchpost.inference", inference);
    JsonObject gate = new JsonObject();
    gate.addProperty("camera.id", "gate");
    gate.addProperty("source", SharedData.vtestMjpeg().toString());
    gate.addProperty("analytics.cardinality.minimum", 1);
    camera.forEach((k, v) -> gate.add(k, new GsonBuilder().create().toJsonTree(v)));
    root.add("org.watchpost.camera~gate", gate);
    JsonObject rules = JsonParser.parseString(Files.readString(SharedData.projectRoot()
        .resolve("bundles/org.watchpost.analytics/config/vtest-rules.json"))).getAsJsonObject();
    for (Map.Entry<String, JsonElement> rule : rules.entrySet()) {
      if (!rule.getKey().startsWith(":")) {
        JsonObject r = rule.getValue().getAsJsonObject().deepCopy();
        r.addProperty("count.interval.s", countIntervalS);
        root.add(rule.getKey(), r);
      }
    }
    JsonObject analyticsConfig = new JsonObject();
    analytics.forEach((k, v) -> analyticsConfig.add(k, new GsonBuilder().create().toJsonTree(v)));
    root.add("org.watchpost.analytics", analyticsConfig);
    JsonObject health = new JsonObject();
    health.addProperty("baseline.dir", work.resolve("baselines").toString());
    root.add("org.watchpost.health.camera", health);
    JsonObject device = new JsonObject();
    device.addProperty("data.dir", work.toString());
    device.addProperty("report.interval.s", 2);
    root.add("org.watchpost.health.device", device);
    // An uplink whose broker is not there: its outbox fills and it reports itself disconnected.
    JsonObject uplink = new JsonObject();
    uplink.addProperty("broker.url", "tcp://127.0.0.1:" + freePort());
    uplink.addProperty("outbox.path", work.resolve("outbox.db").toString());
    uplink.addProperty("reconnect.initial.ms", 60_000);
    uplink.addProperty("drain.on.stop.s", 0);
    root.add("org.watchpost.uplink", uplink);
    if (opcua != null) {
      JsonObject server = new JsonObject();
      server.addProperty("port", port);
      server.addProperty("hostname", "localhost");
      server.addProperty("bind.address", "127.0.0.1");
      server.addProperty("pki.dir", work.resolve("opcua/pki").toString());
      server.addProperty("credential.file", work.resolve("opcua/credential").toString());
      opcua.forEach((k, v) -> server.add(k, new GsonBuilder().create().toJsonTree(v)));
      root.add("org.watchpost.opcua", server);
    }
    Path file = work.resolve("config.json");
    Files.createDirectories(work);
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(root));
    return file;
  }
}
