// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MultipartJpegReaderTest {
  private static MultipartJpegReader reader(String text, int max) {
    return new MultipartJpegReader(
        new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), max);
  }

  @Test
  void readsFfmpegsPartsAndEndsAtItsLastBoundary() throws IOException {
    MultipartJpegReader parts =
        reader(
            "--ffmpeg\r\nContent-type: image/jpeg\r\nContent-length: 4\r\n\r\n\u00ff\u00d8\u00ff\u00d9"
                + "\r\n--ffmpeg\r\nContent-type: image/jpeg\r\nContent-length: 3\r\n\r\nabc\r\n--ffmpeg\r\n",
            100);
    ByteBuffer first = parts.next(ByteBuffer::allocate);
    assertEquals(4, first.remaining());
    assertEquals((byte) 0xd9, first.get(3));
    assertEquals(
        "abc", StandardCharsets.ISO_8859_1.decode(parts.next(ByteBuffer::allocate)).toString());
    assertNull(parts.next(ByteBuffer::allocate));
  }

  @Test
  void refusesAFrameOverTheLimitBeforeReadingIt() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                reader("--ffmpeg\r\nContent-length: 101\r\n\r\n", 100)
                    .next(
                        n -> {
                          throw new AssertionError("no buffer for a refused frame");
                        }));
    assertTrue(e.getMessage().contains("101 bytes (at most 100)"), e.getMessage());
  }

  @Test
  void refusesAPartWithoutLengthOrCutShort() {
    assertThrows(
        IOException.class,
        () ->
            reader("--ffmpeg\r\nContent-type: image/jpeg\r\n\r\nxx", 100)
                .next(ByteBuffer::allocate));
    assertThrows(
        IOException.class,
        () -> reader("--ffmpeg\r\nContent-length: 9\r\n\r\nxx", 100).next(ByteBuffer::allocate));
    assertThrows(
        IOException.class,
        () -> reader("--ffmpeg\r\nContent-length: 2", 100).next(ByteBuffer::allocate));
    assertThrows(
        IOException.class, () -> reader("x".repeat(300) + "\r\n", 100).next(ByteBuffer::allocate));
  }
}
