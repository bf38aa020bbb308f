// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class SourceParsingTest {
  private static final FrameLimits LIMITS = new FrameLimits(4096, 4096, 4096L * 4096);

  @Test
  void urisAreClassified() {
    assertEquals(SourceUri.Kind.V4L2_DEVICE, SourceUri.parse("/dev/video2").kind());
    assertEquals(2, SourceUri.parse("/dev/video2").deviceIndex());
    assertEquals(0, SourceUri.parse("v4l2:0").deviceIndex());
    assertEquals(SourceUri.Kind.NETWORK, SourceUri.parse("rtsp://10.0.0.4:554/stream1").kind());
    assertEquals(SourceUri.Kind.NETWORK, SourceUri.parse("http://cam/mjpeg").kind());
    assertEquals(SourceUri.Kind.FILE, SourceUri.parse("clip.mp4").kind());
    assertEquals("/tmp/a b.avi", SourceUri.parse("file:///tmp/a%20b.avi").target());
  }

  @Test
  void unsupportedSchemesAreRejectedWithTheChoices() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SourceUri.parse("ftp://x/y.avi"));
    assertTrue(e.getMessage().contains("ftp://x/y.avi"));
  }

  @Test
  void probeOutputIsParsedAndBounded() throws IOException {
    StreamInfo info = FfmpegVideoStream.parseProbe("768,576,10/1,10/1", false, "x", LIMITS);
    assertEquals(768, info.width());
    assertEquals(10.0, info.fps(), 1e-9);
    assertEquals(0.0, FfmpegVideoStream.parseProbe("640,480,0/0,N/A", true, "x", LIMITS).fps());
    assertThrows(IOException.class, () -> FfmpegVideoStream.parseProbe("", false, "x", LIMITS));
    assertThrows(
        IOException.class,
        () -> FfmpegVideoStream.parseProbe("99999,576,10/1", false, "x", LIMITS));
    assertThrows(
        IOException.class, () -> FfmpegVideoStream.parseProbe("-1,576", false, "x", LIMITS));
    assertThrows(
        IOException.class, () -> FfmpegVideoStream.parseProbe("wide,tall", false, "x", LIMITS));
  }

  @Test
  void theStallLimitAllowsSlowCamerasAndTheFirstKeyFrame() {
    long s = 1_000_000_000L;
    assertEquals(10 * s, ResilientFrameSource.stallLimitNanos(10 * s, 15 * s, false, 25));
    assertEquals(
        10 * s, ResilientFrameSource.stallLimitNanos(10 * s, 15 * s, false, 0), "rate unknown");
    assertEquals(
        15 * s,
        ResilientFrameSource.stallLimitNanos(10 * s, 15 * s, false, 0.2),
        "one frame every 5 s");
    assertEquals(
        25 * s, ResilientFrameSource.stallLimitNanos(10 * s, 15 * s, true, 25), "the first frame");
  }

  @Test
  void aRateOfOnlyASlashIsUnknownNotAnException() throws IOException {
    // Found by CaptureInputFuzzTest: "/".split("/") is an empty array.
    assertEquals(0.0, FfmpegVideoStream.parseProbe("768,576,/", true, "x", LIMITS).fps());
    assertEquals(0.0, FfmpegVideoStream.parseProbe("768,576,1/2/3,//", true, "x", LIMITS).fps());
  }

  @Test
  void framesBeyondTheConfiguredLimitsAreRefusedWithTheReason() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                FfmpegVideoStream.parseProbe("16384,16384,25/1", true, "rtsp://***@cam/x", LIMITS));
    assertTrue(
        e.getMessage().contains("16384x16384") && e.getMessage().contains("max.frame.width"),
        e.getMessage());
    assertThrows(
        IOException.class,
        () ->
            FfmpegVideoStream.parseProbe(
                "4096,4096,25/1", true, "x", new FrameLimits(4096, 4096, 8_000_000)));
    assertThrows(
        IOException.class,
        () -> FfmpegVideoStream.parseProbe("2147483647,2147483647", true, "x", LIMITS));
  }

  @Test
  void aSourceWithControlCharactersIsRefusedWithoutShowingItsPassword() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SourceUri.parse("rtsp://u:hunter22@cam/x\nfile '/etc/passwd'"));
    assertTrue(e.getMessage().contains("control characters"), e.getMessage());
    assertTrue(!e.getMessage().contains("hunter22"), e.getMessage());
  }

  @Test
  void credentialsGoToFfmpegsStdinNotItsCommandLine() {
    CaptureConfig config = org.watchpost.testing.Configs.defaults(CaptureConfig.class);
    FfmpegVideoStream.Input input = FfmpegVideoStream.input("rtsp://u:it's@cam/x", true, config);
    assertEquals(
        java.util.List.of(
            "-protocol_whitelist",
            FfmpegVideoStream.NETWORK_PROTOCOLS,
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            "pipe:0"),
        input.arguments());
    assertEquals(
        "ffconcat version 1.0\nfile 'rtsp://u:it'\\''s@cam/x'\noption rtsp_transport tcp\n"
            + "option timeout 15000000\n",
        input.script());
    FfmpegVideoStream.Input plain = FfmpegVideoStream.input("http://cam/x.mjpg", true, config);
    assertEquals(
        java.util.List.of("-rw_timeout", "15000000", "-i", "http://cam/x.mjpg"), plain.arguments());
    assertEquals(null, plain.script());
  }
}
