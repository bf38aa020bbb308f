// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import org.watchpost.api.frame.SourceUris;

/**
 * What a camera (or whoever answers in its place) controls, on arbitrary input: the stream header
 * ffprobe reports is parsed into a size within the limits or refused with an IOException, and
 * ffmpeg's error text, which quotes the URL, never shows the password once redacted, wherever the
 * URL sits in it and whatever surrounds it. Jazzer fuzzes one test per run, so this one covers
 * both. Runs for a bounded time in the build.
 */
class CaptureInputFuzzTest {
  private static final FrameLimits LIMITS = new FrameLimits(4096, 4096, 4096L * 4096);

  /**
   * Characters a password may have in a URL's user-info as ffmpeg splits it; '*' is what masks it.
   */
  private static final String PASSWORD_CHARS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()+,;=:%";

  @FuzzTest(maxDuration = "10s")
  void streamHeadersAndErrorTextFromTheCamera(FuzzedDataProvider data) {
    String probe = data.consumeString(200);
    try {
      StreamInfo info = FfmpegVideoStream.parseProbe(probe, data.consumeBoolean(), "x", LIMITS);
      if (info.width() > 4096 || info.height() > 4096 || info.frameBytes() <= 0 || info.fps() < 0) {
        throw new AssertionError(probe + " gave " + info);
      }
    } catch (IOException refused) {
      // the expected outcome for most inputs
    }

    StringBuilder password = new StringBuilder();
    int length = data.consumeInt(3, 24);
    for (int i = 0; i < length; i++) {
      password.append(PASSWORD_CHARS.charAt(data.consumeInt(0, PASSWORD_CHARS.length() - 1)));
    }
    String uri = "rtsp://admin:" + password + "@10.0.0.4:554/Streaming/Channels/101";
    String before = data.consumeString(300);
    String after = data.consumeRemainingAsString();
    String text = before + uri + after;
    String shown = SourceUris.redactText(text, uri);
    if (shown.contains(password)) {
      throw new AssertionError("password '" + password + "' shown in: " + shown);
    }
    // The URI alone: exactly its public parts remain (the password may be a piece of them, like
    // 'ami' of
    // 'Streaming', which is no leak).
    String expected = "rtsp://***@10.0.0.4:554/Streaming/Channels/101";
    if (!SourceUris.redact(uri).equals(expected)) {
      throw new AssertionError(
          "password '" + password + "': " + SourceUris.redact(uri) + " is not " + expected);
    }
  }
}
