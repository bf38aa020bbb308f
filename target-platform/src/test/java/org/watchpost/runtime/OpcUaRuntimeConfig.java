// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.watchpost.testing.SharedData;

/** A device configuration ({@link DeviceConfig}) with the vtest rules and the OPC UA server. */
final class OpcUaRuntimeConfig {
  private OpcUaRuntimeConfig() {}

  static int freePort() throws IOException {
    return DeviceConfig.freePort();
  }

  /**
   * @param camera properties of camera "gate" beyond its id and source
   * @param opcua properties of the OPC UA server beyond its port, host, PKI and credential file;
   *     null: not configured
   * @param countIntervalS the rules' count interval, shorter than the file's minute so counts move
   *     within a test
   * @param analytics properties of the analytics (org.watchpost.analytics)
   */
  static Path write(
      Path work,
      int port,
      Map<String, Object> camera,
      Map<String, Object> opcua,
      int countIntervalS,
      Map<String, Object> analytics)
      throws IOException {
    JsonObject root = DeviceConfig.base(work, "watchpost.opcua-it", camera, analytics);
    JsonObject rules =
        JsonParser.parseString(
                Files.readString(
                    SharedData.projectRoot()
                        .resolve("bundles/org.watchpost.analytics/config/vtest-rules.json")))
            .getAsJsonObject();
    for (Map.Entry<String, JsonElement> rule : rules.entrySet()) {
      if (!rule.getKey().startsWith(":")) {
        JsonObject r = rule.getValue().getAsJsonObject().deepCopy();
        r.addProperty("count.interval.s", countIntervalS);
        root.add(rule.getKey(), r);
      }
    }
    if (opcua != null) {
      JsonObject server = new JsonObject();
      server.addProperty("port", port);
      server.addProperty("hostname", "localhost");
      server.addProperty("bind.address", "127.0.0.1");
      server.addProperty("pki.dir", work.resolve("opcua/pki").toString());
      server.addProperty("credential.file", work.resolve("opcua/credential").toString());
      root.add("org.watchpost.opcua", DeviceConfig.add(server, opcua));
    }
    return DeviceConfig.write(work, root);
  }
}
