// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.capture.tools.HostCapture;
import org.watchpost.inference.internal.DetectorSettings;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * The host tools' detector: configured by the DS property names, the real model on a real vtest
 * frame.
 */
class HostDetectorTest {

  @Test
  void theSettingsAreTheComponentsDefaultsButTheModelAndTheThreads() {
    Path manifest = Path.of("/models/other/manifest.json");
    DetectorSettings settings = HostDetector.settings(manifest, 3);
    assertEquals(manifest, settings.manifest(), "model.manifest reached model_manifest");
    assertEquals(3, settings.intraOpThreads(), "intra.op.threads reached intra_op_threads");
    assertEquals(
        List.of("person", "bicycle", "car", "motorcycle", "bus", "truck"), settings.classes());
    assertEquals(0.3f, settings.scoreThreshold());
    assertThrows(
        IllegalArgumentException.class,
        () -> HostDetector.settings(manifest, 0),
        "refused as the component refuses it");
  }

  @Test
  void detectsPeopleInVtestAndBenchesTheBareRuntimeOnTheSameFrame() throws Exception {
    nu.pattern.OpenCV.loadLocally();
    FrameSource source =
        HostCapture.withDefaults()
            .open(new SourceSpec("vtest", SharedData.vtestMjpeg().toString(), false, false));
    try (HostDetector detector = HostDetector.load(TestModels.yoloxNanoManifest(), 1);
        Frame frame = source.read()) {
      DetectionResult result = detector.detect(frame, null);
      long people = result.detections().stream().filter(d -> d.label().equals("person")).count();
      assertTrue(people >= 3, "vtest's first frame has people walking: " + result.detections());
      try (BareRuntime bare = detector.bareRuntime();
          BareRuntime.Input input = bare.input(frame)) {
        assertTrue(bare.runNanos(input) > 0);
      }
    } finally {
      source.close();
    }
  }

  @Test
  void aMissingModelIsAModelLoadExceptionNamingIt() {
    Path missing = Path.of("target", "no-such-model", "manifest.json");
    ModelLoadException e =
        assertThrows(ModelLoadException.class, () -> HostDetector.load(missing, 1));
    assertTrue(e.getMessage().contains("no-such-model"), e.getMessage());
  }
}
