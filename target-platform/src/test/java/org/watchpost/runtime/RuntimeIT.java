// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/** The real runtime, resolved and exported by this module, in a real Equinox framework. */
@Timeout(300)
class RuntimeIT {
  /** ComponentConfigurationDTO states. */
  private static final int UNSATISFIED_REFERENCE = 2;

  private static final int FAILED_ACTIVATION = 16;

  private static RunningFramework runtime;
  private static Path scratch;
  private static Path manifest;

  @BeforeAll
  static void start() throws Exception {
    scratch = SharedData.scratchDirectory("runtime-it");
    manifest = TestModels.yoloxNanoManifest();
    // Seeded the way ./watchpost run seeds a device: the OSGi Configurator reads
    // configurator.initial.
    Path config = scratch.resolve("config.json");
    Files.writeString(
        config,
        """
        {
          ":configurator:resource-version": 1,
          ":configurator:symbolic-name": "watchpost.it",
          ":configurator:version": "1.0.0",
          "org.watchpost.inference": { "model.manifest": "%s", "warmup.runs": 1 },
          "org.watchpost.models": { "state.dir": "%s" }
        }
        """
            .formatted(
                manifest.toString().replace("\\", "/"),
                scratch.resolve("models").toString().replace("\\", "/")));
    runtime =
        new RunningFramework(
            scratch.resolve("framework"),
            Map.of("configurator.initial", config.toUri().toString()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void everyBundleIsActive() {
    List<String> notActive = new ArrayList<>();
    for (Bundle bundle : runtime.context.getBundles()) {
      boolean fragment = bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null;
      int expected = fragment ? Bundle.RESOLVED : Bundle.ACTIVE;
      if (bundle.getState() != expected) {
        notActive.add(bundle.getSymbolicName() + " state " + bundle.getState());
      }
    }
    assertTrue(notActive.isEmpty(), "bundles not active: " + notActive);
    assertTrue(runtime.context.getBundles().length >= 20, "the whole run set is installed");
  }

  @Test
  void theModelManagerAnswersModelV1AndReportsTheActiveModel() throws Exception {
    runtime.service("org.watchpost.api.detect.Detector", 60_000);
    Object handler = runtime.service("org.watchpost.api.remote.RequestHandler", 30_000);
    assertEquals("MODEL-V1", Reflect.call(handler, "appId"));
    assertTrue(runtime.service("org.watchpost.api.detect.ModelSwitch", 10_000) != null);
    @SuppressWarnings("unchecked")
    Map<String, Object> metrics = (Map<String, Object>) Reflect.call(handler, "metrics");
    assertEquals("yolox-nano", metrics.get("model_active_name"), metrics.toString());
    assertEquals("factory", metrics.get("model_active_slot"), metrics.toString());
    assertTrue(Files.exists(scratch.resolve("models/state.json")), "the pointer file was written");
  }

  @Test
  void everyComponentIsSatisfied() throws Exception {
    Object detector = runtime.service("org.watchpost.api.detect.Detector", 60_000);
    Object scr =
        runtime.service("org.osgi.service.component.runtime.ServiceComponentRuntime", 10_000);
    List<String> problems = new ArrayList<>();
    int components = 0;
    for (Object description :
        (Collection<?>) Reflect.call(scr, "getComponentDescriptionDTOs", (Object) new Bundle[0])) {
      components++;
      for (Object configuration :
          (Collection<?>) Reflect.call(scr, "getComponentConfigurationDTOs", description)) {
        int state = (Integer) Reflect.field(configuration, "state");
        if (state == UNSATISFIED_REFERENCE || state == FAILED_ACTIVATION) {
          problems.add(
              Reflect.field(description, "name")
                  + " state "
                  + state
                  + " "
                  + Reflect.field(configuration, "failure"));
        }
      }
    }
    assertTrue(components >= 4, "components found: " + components);
    assertTrue(problems.isEmpty(), "components not satisfied: " + problems);
    Object status = Reflect.call(detector, "status");
    assertTrue(
        (Boolean) Reflect.call(status, "up"), "detector up: " + Reflect.call(status, "reason"));
  }

  @Test
  void aCameraConfiguredThroughConfigAdminRunsOnRealVideo() throws Exception {
    Path summary = scratch.resolve("summary-cam-it.json");
    Object configurationAdmin = runtime.service("org.osgi.service.cm.ConfigurationAdmin", 10_000);
    Object configuration =
        Reflect.call(
            configurationAdmin, "getFactoryConfiguration", "org.watchpost.camera", "it", "?");
    Dictionary<String, Object> properties = new Hashtable<>();
    properties.put("camera.id", "cam-it");
    properties.put("source", SharedData.vtestMjpeg().toString());
    properties.put("feed.mode", "every_frame");
    properties.put("summary.file", summary.toString());
    properties.put("max.frames", 60L);
    properties.put("analytics.cardinality.minimum", 1);
    Reflect.call(configuration, "update", properties);
    JsonObject result = waitForJson(summary, 120_000);
    assertEquals(60, result.get("frames").getAsInt());
    // Analytics decides when the detector runs: on the first frame and whenever motion is
    // unexplained.
    // Measured: the detector on 32 of the 60 frames (tracked motion re-checked at most every 200 ms
    // at 10 fps).
    // The gate must spare it a quarter of the frames at least; "<= 60 of 60" could not fail.
    int inferred = result.get("inferred_frames").getAsInt();
    assertTrue(
        inferred >= 20 && inferred <= 45, "detector on " + inferred + " of 60 frames: " + result);
    assertEquals(60 - inferred, result.get("gated_frames").getAsInt(), result.toString());
    assertTrue(
        result.getAsJsonObject("detections").get("person").getAsInt() >= inferred * 3,
        result.toString());
    assertTrue(
        result.get("tracks_confirmed").getAsInt() >= 3, "analytics tracked the people: " + result);
    assertEquals(
        "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14",
        result.getAsJsonObject("model").get("sha256").getAsString());
    Reflect.call(configuration, "delete");
  }

  @Test
  void malformedCameraConfigurationIsRejectedNamingTheProperty() throws Exception {
    Object configurationAdmin = runtime.service("org.osgi.service.cm.ConfigurationAdmin", 10_000);
    Object configuration =
        Reflect.call(
            configurationAdmin, "getFactoryConfiguration", "org.watchpost.camera", "bad", "?");
    Dictionary<String, Object> properties = new Hashtable<>();
    properties.put("camera.id", "cam-bad");
    properties.put("source", SharedData.vtestMjpeg().toString());
    properties.put("feed.mode", "sometimes");
    Reflect.call(configuration, "update", properties);
    Object scr =
        runtime.service("org.osgi.service.component.runtime.ServiceComponentRuntime", 10_000);
    String failure = null;
    long deadline = System.currentTimeMillis() + 20_000;
    while (failure == null && System.currentTimeMillis() < deadline) {
      for (Object description :
          (Collection<?>)
              Reflect.call(scr, "getComponentDescriptionDTOs", (Object) new Bundle[0])) {
        for (Object component :
            (Collection<?>) Reflect.call(scr, "getComponentConfigurationDTOs", description)) {
          Object message = Reflect.field(component, "failure");
          if ((Integer) Reflect.field(component, "state") == FAILED_ACTIVATION
              && message != null
              && message.toString().contains("cam-bad")) {
            failure = message.toString();
          }
        }
      }
      Thread.sleep(100);
    }
    Reflect.call(configuration, "delete");
    // SCR drops the failed configuration asynchronously; wait for it, so that the next test
    // (everyComponent
    // IsSatisfied, for one) does not find it on a loaded machine.
    boolean gone = false;
    for (long until = System.currentTimeMillis() + 20_000;
        !gone && System.currentTimeMillis() < until; ) {
      gone = true;
      for (Object description :
          (Collection<?>)
              Reflect.call(scr, "getComponentDescriptionDTOs", (Object) new Bundle[0])) {
        for (Object component :
            (Collection<?>) Reflect.call(scr, "getComponentConfigurationDTOs", description)) {
          Object message = Reflect.field(component, "failure");
          gone &= message == null || !message.toString().contains("cam-bad");
        }
      }
      if (!gone) {
        Thread.sleep(100);
      }
    }
    if (failure == null) {
      fail("the camera with feed.mode=sometimes was not rejected");
    }
    assertTrue(gone, "the rejected camera's configuration is gone after its deletion");
    assertTrue(failure.contains("feed_mode"), failure);
    Object detector = runtime.service("org.watchpost.api.detect.Detector", 10_000);
    assertTrue(
        (Boolean) Reflect.call(Reflect.call(detector, "status"), "up"),
        "the rest of the runtime keeps running");
  }

  @Test
  void aBadModelLeavesTheDetectorDownWithTheReasonAndTheRuntimeUp() throws Exception {
    Object configurationAdmin = runtime.service("org.osgi.service.cm.ConfigurationAdmin", 10_000);
    Object detector = runtime.service("org.watchpost.api.detect.Detector", 60_000);
    Object configuration =
        Reflect.call(configurationAdmin, "getConfiguration", "org.watchpost.inference", "?");
    @SuppressWarnings("unchecked")
    Dictionary<String, Object> original =
        (Dictionary<String, Object>) Reflect.call(configuration, "getProperties");
    Dictionary<String, Object> broken = new Hashtable<>();
    broken.put("model.manifest", scratch.resolve("nowhere/manifest.json").toString());
    Reflect.call(configuration, "update", broken);
    try {
      Object status = waitForDetector(detector, false);
      assertTrue(
          Reflect.call(status, "reason").toString().contains("nowhere"),
          Reflect.call(status, "reason").toString());
    } finally {
      Reflect.call(configuration, "update", original);
    }
    assertTrue((Boolean) Reflect.call(waitForDetector(detector, true), "up"));
  }

  private static Object waitForDetector(Object detector, boolean up) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      Object status = Reflect.call(detector, "status");
      if ((Boolean) Reflect.call(status, "up") == up) {
        return status;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("detector did not become " + (up ? "UP" : "DOWN"));
  }

  private static JsonObject waitForJson(Path file, long timeoutMillis) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (System.currentTimeMillis() < deadline) {
      if (Files.exists(file)) {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
      }
      Thread.sleep(100);
    }
    assertFalse(true, "no summary at " + file + " within " + timeoutMillis + " ms");
    return null;
  }
}
