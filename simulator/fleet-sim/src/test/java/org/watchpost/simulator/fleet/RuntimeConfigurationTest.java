// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.watchpost.testing.SharedData;

class RuntimeConfigurationTest {
  private static Set<String> cameraComponentReferences() throws Exception {
    try (InputStream xml =
        RuntimeConfigurationTest.class.getResourceAsStream(
            "/OSGI-INF/org.watchpost.pipeline.internal.CameraPipelineComponent.xml")) {
      assertNotNull(xml, "the camera component's DS descriptor is on the test class path");
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      NodeList references =
          factory.newDocumentBuilder().parse(xml).getElementsByTagName("reference");
      Set<String> names = new TreeSet<>();
      for (int i = 0; i < references.getLength(); i++) {
        names.add(((Element) references.item(i)).getAttribute("name"));
      }
      return names;
    }
  }

  /**
   * SCR ignores a {@code X.cardinality.minimum} whose X names no reference; the simulated devices
   * had written {@code EventSink} and {@code FrameObserver}, so their cameras could start before
   * the uplink and camera health.
   */
  @Test
  void everyWaitOfACameraNamesAReferenceOfTheCameraComponent() throws Exception {
    Set<String> references = cameraComponentReferences();
    RuntimeConfiguration config = new RuntimeConfiguration("test");
    config.camera("gate", "file:///dev/null");
    JsonObject camera =
        JsonParser.parseString(config.json())
            .getAsJsonObject()
            .getAsJsonObject("org.watchpost.camera~gate");
    Set<String> waits = new TreeSet<>();
    for (String key : camera.keySet()) {
      if (key.endsWith(".cardinality.minimum")) {
        waits.add(key.substring(0, key.length() - ".cardinality.minimum".length()));
        assertEquals(1, camera.get(key).getAsInt());
      }
    }
    assertEquals(new TreeSet<>(RuntimeConfiguration.CAMERA_WAITS_FOR), waits);
    assertTrue(
        references.containsAll(waits),
        "waits " + waits + " are references of the camera component " + references);
  }

  @Test
  void theVtestRulesAreCopiedWithoutTheConfiguratorHeader() throws Exception {
    Path root = SharedData.projectRoot();
    JsonObject json =
        JsonParser.parseString(new RuntimeConfiguration("test").vtestRules(root).json())
            .getAsJsonObject();
    assertEquals("test", json.get(":configurator:symbolic-name").getAsString());
    assertTrue(
        json.keySet().stream().anyMatch(k -> k.startsWith("org.watchpost.analytics.rule~")),
        "the rules are there: " + json.keySet());
  }
}
