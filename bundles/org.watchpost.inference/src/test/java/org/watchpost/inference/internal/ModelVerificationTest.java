// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.api.detect.DetectorStatus;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.testing.Configs;
import org.watchpost.testing.TestModels;

/**
 * Bad models and bad configuration: a clear error naming the file or property, the detector DOWN,
 * no crash.
 */
class ModelVerificationTest {
  private static final String REAL_SHA =
      "695e750a5d5754bb5a8d5325643b59282191a7e7a564e435a415fd3c578eab14";

  @Test
  void theCommittedManifestParsesAndTheRealModelVerifies() throws Exception {
    VerifiedModel model = VerifiedModel.load(TestModels.yoloxNanoManifest());
    assertEquals("yolox-nano", model.info().name());
    assertEquals(REAL_SHA, model.info().sha256());
    assertEquals(80, model.labels().size());
    assertEquals("motorcycle", model.labels().get(3));
  }

  @Test
  void aMissingModelNamesTheFile() throws Exception {
    Path manifest = TestModels.yoloxNanoManifest();
    Files.delete(manifest.resolveSibling("yolox_nano.onnx"));
    ModelException e = assertThrows(ModelException.class, () -> VerifiedModel.load(manifest));
    assertTrue(
        e.getMessage().contains(manifest.resolveSibling("yolox_nano.onnx").toString()),
        e.getMessage());
    assertTrue(e.getMessage().contains("models/fetch"), e.getMessage());
  }

  @Test
  void aTruncatedModelNamesTheFileAndBothHashes() throws Exception {
    Path manifest = TestModels.yoloxNanoManifest();
    Path model = manifest.resolveSibling("yolox_nano.onnx");
    byte[] bytes = Files.readAllBytes(model);
    Files.write(model, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    ModelException e = assertThrows(ModelException.class, () -> VerifiedModel.load(manifest));
    String actual = VerifiedModel.sha256(model, "model");
    assertTrue(e.getMessage().contains(model.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(actual), e.getMessage());
    assertTrue(e.getMessage().contains(REAL_SHA), e.getMessage());
  }

  @Test
  void oneFlippedByteIsCaught() throws Exception {
    Path manifest = TestModels.yoloxNanoManifest();
    Path model = manifest.resolveSibling("yolox_nano.onnx");
    byte[] bytes = Files.readAllBytes(model);
    bytes[bytes.length / 3] ^= 0x01;
    Files.write(model, bytes);
    assertThrows(ModelException.class, () -> VerifiedModel.load(manifest));
  }

  @Test
  void malformedManifestsAreRejectedNamingTheField() {
    assertMessage("{", "not valid JSON");
    assertMessage("[]", "not valid JSON");
    assertMessage("{\"format\": 2}", "format");
    assertMessage("{\"format\": 1, \"name\": \"../evil\", \"version\": \"1.0.0\"}", "name");
    assertMessage("{\"format\": 1, \"name\": \"m\", \"version\": \"one\"}", "version");
    assertMessage(
        "{\"format\": 1, \"name\": \"m\", \"version\": \"1.0.0\", \"model\": {\"file\": \"../../etc/passwd\"}}",
        "model.file");
    assertMessage("x".repeat(ModelManifest.MAX_BYTES + 1), "larger than");
  }

  private static void assertMessage(String json, String expected) {
    ModelException e =
        assertThrows(ModelException.class, () -> ModelManifest.parse(json, "test.json"));
    assertTrue(
        e.getMessage().contains(expected) && e.getMessage().contains("test.json"), e.getMessage());
  }

  @Test
  void theComponentStaysUpAndReportsDownWithTheReason() throws Exception {
    Path manifest = TestModels.yoloxNanoManifest();
    Files.delete(manifest.resolveSibling("yolox_nano.onnx"));
    DetectorComponent detector =
        new DetectorComponent(
            Configs.with(
                InferenceConfig.class,
                Map.of("model_manifest", manifest.toString(), "warmup_runs", 0)));
    DetectorStatus status = detector.status();
    assertFalse(status.up());
    assertTrue(status.reason().contains("yolox_nano.onnx"), status.reason());
    DetectorUnavailableException e =
        assertThrows(DetectorUnavailableException.class, () -> detector.detect(null));
    assertEquals(status.reason(), e.getMessage());
    detector.deactivate();
  }

  @Test
  void malformedConfigurationIsRejectedNamingTheProperty() throws Exception {
    Path manifest = TestModels.yoloxNanoManifest();
    DetectorComponent badThreshold =
        new DetectorComponent(
            Configs.with(
                InferenceConfig.class,
                Map.of("model_manifest", manifest.toString(), "score_threshold", 1.5f)));
    assertTrue(
        badThreshold.status().reason().contains("score_threshold"), badThreshold.status().reason());
    DetectorComponent badClass =
        new DetectorComponent(
            Configs.with(
                InferenceConfig.class,
                Map.of(
                    "model_manifest",
                    manifest.toString(),
                    "classes",
                    new String[] {"person", "unicorn"},
                    "warmup_runs",
                    0)));
    assertTrue(badClass.status().reason().contains("unicorn"), badClass.status().reason());
    assertFalse(badClass.status().up());
  }

  @Test
  void aReconfigurationToAGoodModelBringsTheDetectorUp() throws Exception {
    Path manifest = TestModels.yoloxNanoManifest();
    DetectorComponent detector =
        new DetectorComponent(
            Configs.with(InferenceConfig.class, Map.of("model_manifest", manifest + ".missing")));
    assertFalse(detector.status().up());
    detector.modified(
        Configs.with(
            InferenceConfig.class,
            Map.of("model_manifest", manifest.toString(), "warmup_runs", 1)));
    assertTrue(detector.status().up(), detector.status().reason());
    assertEquals(REAL_SHA, detector.status().model().sha256());
    detector.deactivate();
  }
}
