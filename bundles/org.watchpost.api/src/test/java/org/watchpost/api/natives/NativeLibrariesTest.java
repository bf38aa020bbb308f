// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.natives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * One extracted copy of a library from openpnp's jar: written once, reused whole, replaced when cut
 * short.
 */
class NativeLibrariesTest {
  /** Every Linux build carries this one; the test reads it whatever machine it runs on. */
  private static final String RESOURCE = "/nu/pattern/opencv/linux/ARMv7/libopencv_java490.so";

  @Test
  void extractsOnceReusesAWholeCopyAndReplacesOneCutShortOrLeftHalfWritten() throws Exception {
    Path dir = Path.of("target", "natives-test-" + System.nanoTime()).toAbsolutePath();
    Path copy = dir.resolve("libopencv_java490.so");
    byte[] original;
    try (InputStream in = nu.pattern.OpenCV.class.getResourceAsStream(RESOURCE)) {
      original = in.readAllBytes();
    }

    assertTrue(
        NativeLibraries.ensure(
            dir, nu.pattern.OpenCV.class, RESOURCE, copy.getFileName().toString()));
    Object first = fileKey(copy);
    assertFalse(
        NativeLibraries.ensure(
            dir, nu.pattern.OpenCV.class, RESOURCE, copy.getFileName().toString()),
        "the second start reuses the copy");
    assertEquals(first, fileKey(copy));

    // A kill -9 during an extraction by an older build that wrote in place: half a file.
    try (RandomAccessFile file = new RandomAccessFile(copy.toFile(), "rw")) {
      file.setLength(original.length / 2);
    }
    Path leftOver = Files.writeString(dir.resolve("libopencv_java490.so.123.part"), "half");
    assertTrue(
        NativeLibraries.ensure(
            dir, nu.pattern.OpenCV.class, RESOURCE, copy.getFileName().toString()),
        "a copy cut short is replaced");
    assertArrayEquals(original, Files.readAllBytes(copy));
    assertFalse(Files.exists(leftOver), "what a kill left half-written is removed");
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(2, files.count(), "the library and the lock file, nothing else");
    }

    UncheckedIOException missing =
        assertThrows(
            UncheckedIOException.class,
            () ->
                NativeLibraries.ensure(
                    dir, nu.pattern.OpenCV.class, "/no/such/library.so", "library.so"));
    assertTrue(missing.getMessage().contains("/no/such/library.so"), missing.getMessage());
  }

  private static Object fileKey(Path file) throws Exception {
    return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
  }
}
