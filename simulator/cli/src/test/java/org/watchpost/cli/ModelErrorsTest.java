// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.SharedData;
import picocli.CommandLine;

/**
 * A model that cannot be used is the user's to fix: one line saying what to do, not a stack trace.
 */
class ModelErrorsTest {

  @Test
  void aMissingModelFileIsOneLineNamingTheFetchStepAndExitCodeThree() throws Exception {
    // A home whose yolox-nano has its manifest but not its weights, as a fresh clone before
    // models/fetch.
    Path home = SharedData.scratchDirectory("cli-no-model");
    Path model = Files.createDirectories(home.resolve("models/yolox-nano"));
    for (String file : new String[] {"manifest.json", "labels.txt"}) {
      Files.copy(
          SharedData.projectRoot().resolve("models/yolox-nano").resolve(file),
          model.resolve(file),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Files.deleteIfExists(model.resolve("yolox_nano.onnx"));
    String previous = System.getProperty("watchpost.home");
    System.setProperty("watchpost.home", home.toString());
    try {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine line = Main.commandLine();
      line.setOut(new PrintWriter(out, true));
      line.setErr(new PrintWriter(err, true));
      int status = line.execute("detect", SharedData.image("000000000139.jpg").toString());
      assertEquals(Main.EXIT_MODEL, status, err.toString());
      String message = err.toString().strip();
      assertEquals(1, message.lines().count(), "one line: " + message);
      assertTrue(
          message.startsWith("watchpost detect: ")
              && message.contains("is missing (run models/fetch)"),
          message);
      assertFalse(message.contains("Exception"), message);
    } finally {
      if (previous == null) {
        System.clearProperty("watchpost.home");
      } else {
        System.setProperty("watchpost.home", previous);
      }
    }
  }
}
