// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * What {@code models/fetch} does for the shipped INT8 model: the committed calibration ranges turn
 * the FP32 weights into exactly the file whose SHA-256 the committed manifest pins.
 */
class ShippedInt8ModelTest {
  static final Path SHIPPED = SharedData.projectRoot().resolve("models/yolox-nano-int8");

  @Test
  void theCommittedRangesBuildTheModelTheManifestPins() throws Exception {
    Path fp32 = TestModels.yoloxNanoManifest().getParent();
    Files.copy(
        SharedData.projectRoot().resolve("models/yolox-nano/LICENSE"),
        fp32.resolve("LICENSE"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    JsonObject manifest = QuantizeTool.readManifest(SHIPPED.resolve("manifest.json"));
    int floatStem = manifest.getAsJsonObject("quantization").get("float_stem_layers").getAsInt();
    QuantizeOptions defaults = QuantizeOptions.defaults();
    Path out = SharedData.scratchDirectory("shipped-int8");
    QuantizeTool.Outcome outcome =
        QuantizeTool.run(
            new QuantizeTool.Request(
                fp32,
                List.of(),
                SHIPPED.resolve(QuantizeTool.RANGES_FILE),
                out,
                null,
                QuantizeTool.DEFAULT_FRAMES,
                1,
                new QuantizeOptions(
                    floatStem,
                    true,
                    defaults.excludedNodes(),
                    defaults.percentile(),
                    defaults.opTypes())));
    JsonObject model = manifest.getAsJsonObject("model");
    assertEquals(model.get("sha256").getAsString(), outcome.sha256());
    assertEquals(model.get("size").getAsLong(), outcome.size());
    assertEquals(model.get("file").getAsString(), outcome.model().getFileName().toString());
    assertTrue(
        manifest.getAsJsonObject("quantization").get("calibration_frames").getAsInt() >= 100);
  }

  @Test
  void rangesMadeForAnotherModelAreRefused() throws Exception {
    Path fp32 = TestModels.yoloxNanoManifest().getParent();
    Path ranges = SharedData.scratchDirectory("foreign-ranges").resolve("calibration.json");
    Ranges shipped = Ranges.read(SHIPPED.resolve(QuantizeTool.RANGES_FILE));
    new Ranges(
            1,
            "0".repeat(64),
            shipped.method(),
            shipped.frames(),
            shipped.source(),
            shipped.ranges())
        .write(ranges);
    QuantizeException e =
        assertThrows(
            QuantizeException.class,
            () ->
                QuantizeTool.run(
                    new QuantizeTool.Request(
                        fp32,
                        List.of(),
                        ranges,
                        SharedData.scratchDirectory("foreign-out"),
                        null,
                        100,
                        1,
                        QuantizeOptions.defaults())));
    assertTrue(e.getMessage().contains("belong to the model"), e.getMessage());
  }
}
