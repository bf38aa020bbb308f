// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The parts ffmpeg's mpjpeg muxer writes carry a camera's bytes: any input ends in frames or an
 * IOException.
 */
class MotionJpegPartsFuzzTest {
  private static final int MAX_FRAME_BYTES = 4096;

  @FuzzTest(maxDuration = "10s")
  void motionJpegPartsFromFfmpeg(FuzzedDataProvider data) {
    byte[] input = data.consumeRemainingAsBytes();
    MultipartJpegReader reader =
        new MultipartJpegReader(new ByteArrayInputStream(input), MAX_FRAME_BYTES);
    try {
      for (int frames = 0; frames <= input.length; frames++) {
        ByteBuffer frame = reader.next(ByteBuffer::allocate);
        if (frame == null) {
          return;
        }
        if (frame.position() != 0 || frame.limit() == 0 || frame.limit() > MAX_FRAME_BYTES) {
          throw new AssertionError("frame of " + frame.limit() + " bytes at " + frame.position());
        }
      }
      throw new AssertionError("more frames than input bytes");
    } catch (IOException refused) {
      // malformed input is refused
    }
  }
}
