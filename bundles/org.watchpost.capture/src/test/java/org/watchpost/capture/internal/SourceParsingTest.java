package org.watchpost.capture.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class SourceParsingTest {

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
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SourceUri.parse("ftp://x/y.avi"));
    assertTrue(e.getMessage().contains("ftp://x/y.avi"));
  }

  @Test
  void probeOutputIsParsedAndBounded() throws IOException {
    StreamInfo info = FfmpegVideoStream.parseProbe("768,576,10/1,10/1", false, "x");
    assertEquals(768, info.width());
    assertEquals(10.0, info.fps(), 1e-9);
    assertEquals(0.0, FfmpegVideoStream.parseProbe("640,480,0/0,N/A", true, "x").fps());
    assertThrows(IOException.class, () -> FfmpegVideoStream.parseProbe("", false, "x"));
    assertThrows(IOException.class, () -> FfmpegVideoStream.parseProbe("99999,576,10/1", false, "x"));
    assertThrows(IOException.class, () -> FfmpegVideoStream.parseProbe("-1,576", false, "x"));
    assertThrows(IOException.class, () -> FfmpegVideoStream.parseProbe("wide,tall", false, "x"));
  }
}
