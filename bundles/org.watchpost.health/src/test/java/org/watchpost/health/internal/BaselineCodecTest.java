// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.SharedData;

class BaselineCodecTest {

  static StoredBaseline sample(String camera) {
    double[] cells = new double[FrameAnalyzer.GRID_COLUMNS * FrameAnalyzer.GRID_ROWS];
    for (int i = 0; i < cells.length; i++) {
      cells[i] = 3.5 + i;
    }
    byte[] reference = new byte[12 * 9];
    for (int i = 0; i < reference.length; i++) {
      reference[i] = (byte) (i * 7);
    }
    return new StoredBaseline(
        camera,
        new Baseline(768, 576, 121.25, 0.004, 0.7, 1.5, 10, cells, 40, 1_700_000_000_000L),
        12,
        9,
        reference);
  }

  @Test
  void aBaselineSurvivesEncodingExactly() throws Exception {
    StoredBaseline original = sample("gate-1");
    assertEquals(original, BaselineCodec.decode(BaselineCodec.encode(original)));
  }

  @Test
  void damagedDocumentsAreRefusedWithTheFieldNamed() {
    String good = new String(BaselineCodec.encode(sample("gate-1")), StandardCharsets.UTF_8);
    assertRefused("mean_luma", good.replace("\"mean_luma\": 121.25", "\"mean_luma\": 999"));
    assertRefused("mean_luma", good.replace("\"mean_luma\": 121.25", "\"mean_luma\": \"bright\""));
    assertRefused("frame_width", good.replace("\"frame_width\": 768", "\"frame_width\": 7.5"));
    assertRefused("cell_std has 47", good.replace("[\n  3.5,", "["));
    assertRefused("not base64", good.replaceFirst("\"reference\": \"", "\"reference\": \"!"));
    assertRefused("version 2", good.replace("\"version\": 1", "\"version\": 2"));
    assertRefused("not valid JSON", good.substring(0, good.length() / 2));
    assertRefused("not valid JSON", good + "{}");
    assertRefused("missing", good.replace("\"fps\"", "\"frames_per_second\""));
    assertRefused("exceeds", " ".repeat(BaselineCodec.MAX_BYTES + 1));
  }

  private static void assertRefused(String expected, String document) {
    BaselineFormatException e =
        assertThrows(
            BaselineFormatException.class,
            () -> BaselineCodec.decode(document.getBytes(StandardCharsets.UTF_8)));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void theStoreWritesAtomicallyAndMovesAnUnusableFileAsideInsteadOfFailing() throws Exception {
    Path directory = SharedData.scratchDirectory("store");
    BaselineStore store = new BaselineStore(directory);
    assertTrue(store.load("cam/1").isEmpty(), "no file yet");
    store.save(sample("cam/1"));
    assertEquals(sample("cam/1"), store.load("cam/1").orElseThrow());
    assertEquals("cam%2F1.baseline.json", store.fileFor("cam/1").getFileName().toString());
    try (var files = Files.list(directory)) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }

    Files.writeString(store.fileFor("cam/1"), "{\"format\": \"watchpost-camera-baseline\", \"ver");
    assertTrue(store.load("cam/1").isEmpty());
    assertFalse(Files.exists(store.fileFor("cam/1")));
    assertTrue(Files.exists(directory.resolve("cam%2F1.baseline.json.unusable")));

    store.save(sample("other"));
    Files.move(store.fileFor("other"), store.fileFor("cam/1"));
    assertTrue(store.load("cam/1").isEmpty(), "a baseline of another camera is not used");
  }
}
