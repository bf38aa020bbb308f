// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * The runtime started twice with the launcher's native-library options and a private temporary
 * directory: the first start killed (as by a kill -9, a crash or -XX:+ExitOnOutOfMemoryError, none
 * of which runs shutdown hooks), the second stopped by SIGTERM. Every bundle that touches OpenCV or
 * ONNX Runtime under OSGi (capture, health, analytics, the detector, the models' validation, the
 * installer's page) loads them on this path.
 */
class NativeLibrariesIT {

  @Test
  @Timeout(240)
  void twoStartsLeaveNoLibraryInTheTemporaryDirectoryAndShareOneExtractedCopy() throws Exception {
    Path scratch = SharedData.scratchDirectory("natives");
    Path tmp = Files.createDirectories(scratch.resolve("tmp"));
    Path natives = scratch.resolve("var").resolve("natives");
    Path config = scratch.resolve("config.json");
    Files.writeString(
        config,
        """
        {
          ":configurator:resource-version": 1,
          ":configurator:symbolic-name": "watchpost.natives",
          ":configurator:version": "1.0.0",
          "org.watchpost.inference": { "model.manifest": "%s" },
          "org.watchpost.models": { "state.dir": "%s" },
          "org.watchpost.camera~gate": { "camera.id": "gate", "source": "%s", "loop": true,
                                         "print.detections": true, "analytics.cardinality.minimum": 1 }
        }
        """
            .formatted(
                TestModels.yoloxNanoManifest(),
                scratch.resolve("models"),
                SharedData.vtestMjpeg()));
    Path home = Files.createDirectories(scratch.resolve("home"));
    List<String> options =
        List.of(
            "-Xmx192m",
            "-Djava.io.tmpdir=" + tmp,
            "-Dwatchpost.natives.dir=" + natives,
            "-Djava.library.path=" + natives,
            "-Duser.home=" + home);

    RuntimeProcess first = new RuntimeProcess(scratch.resolve("run-1"), config, options);
    first.await(l -> l.startsWith("gate frame "), 150_000);
    first.process.destroyForcibly();
    assertTrue(first.process.waitFor(30, TimeUnit.SECONDS));
    Path openCv = natives.resolve("libopencv_java490.so");
    Object openCvCopy = Files.exists(openCv) ? fileKey(openCv) : null;

    try (RuntimeProcess second = new RuntimeProcess(scratch.resolve("run-2"), config, options)) {
      second.await(l -> l.startsWith("gate frame "), 150_000);
    }

    List<String> left = librariesUnder(tmp);
    assertEquals(
        List.of(), left, "native libraries left in java.io.tmpdir after a kill and a clean stop");
    assertEquals(openCvCopy, fileKey(openCv), "the second start reused the first one's copy");
    try (Stream<Path> files = Files.walk(home)) {
      assertEquals(
          List.of(home),
          files.toList(),
          "nothing cached in the home directory (DJL's ~/.djl.ai among others)");
    }
    for (String library :
        List.of("libopencv_java490.so", "libonnxruntime.so", "libonnxruntime4j_jni.so")) {
      assertTrue(
          Files.size(natives.resolve(library)) > 0, library + " extracted once to " + natives);
    }
  }

  private static Object fileKey(Path file) throws IOException {
    return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
  }

  /** Files of OpenCV or ONNX Runtime under dir, with their sizes. */
  private static List<String> librariesUnder(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> f.toString().contains("opencv") || f.toString().contains("onnxruntime"))
          .map(
              f -> {
                try {
                  return dir.relativize(f) + " (" + Files.size(f) / 1_000_000 + " MB)";
                } catch (IOException e) {
                  return dir.relativize(f) + " (?)";
                }
              })
          .sorted()
          .toList();
    }
  }
}
