// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.cameras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.watchpost.api.frame.CaptureService;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.frame.SourceState;
import org.watchpost.capture.tools.HostCapture;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.simulator.link.SimClock;
import org.watchpost.testing.SharedData;

/**
 * The camera simulator seen from the device's side: the capture bundle reads the HTTP Motion-JPEG
 * stream through ffmpeg, as it reads a real IP camera, and sees the faults on schedule.
 */
class CameraServerTest {

  private static double meanLuma(Frame frame) {
    ByteBuffer pixels = frame.pixels();
    long sum = 0;
    int n = 0;
    for (int i = 0; i + 2 < frame.width() * frame.height() * 3; i += 3 * 97) {
      sum += (pixels.get(i) & 0xff) + (pixels.get(i + 1) & 0xff) + (pixels.get(i + 2) & 0xff);
      n += 3;
    }
    return sum / (double) n;
  }

  private record Seen(double seconds, double luma, int width) {}

  @Test
  void theCaptureBundleReadsTheStreamThroughFfmpegAndSeesBlackAndDropOnSchedule() throws Exception {
    CaptureService capture = HostCapture.create(java.util.Map.of("reconnect.max.ms", 1_000L));
    try (CameraServer server = new CameraServer()) {
      SimulatedCamera gate =
          new SimulatedCamera(
              "gate",
              SharedData.vtestMjpeg().toString(),
              FaultSchedule.parse("black@3-5, drop@6-8"),
              1,
              capture);
      server.add(gate);
      HttpResponse<byte[]> snapshot = null;
      for (int i = 0; i < 50 && (snapshot == null || snapshot.statusCode() != 200); i++) {
        Thread.sleep(100);
        snapshot =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create(server.streamUrl("gate").replace(".mjpg", ".jpg")))
                        .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
      }
      assertEquals(200, snapshot.statusCode());
      SimClock clock = gate.clock();
      assertEquals(0xff, snapshot.body()[0] & 0xff, "a JPEG starts with FF D8");
      assertEquals(0xd8, snapshot.body()[1] & 0xff);

      HttpResponse<String> missing =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + server.port() + "/cameras/nobody.mjpg"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      assertEquals(404, missing.statusCode());

      List<Seen> seen = new ArrayList<>();
      boolean sawReconnecting = false;
      try (FrameSource viewer =
          capture.open(new SourceSpec("viewer", server.streamUrl("gate"), false, false))) {
        while (clock.seconds() < 14) {
          Frame frame = viewer.read();
          if (viewer.status().state() == SourceState.RECONNECTING) {
            sawReconnecting = true;
          }
          if (frame == null) {
            break;
          }
          try (frame) {
            seen.add(new Seen(clock.seconds(), meanLuma(frame), frame.width()));
          }
        }
        assertTrue(
            viewer.status().reconnects() >= 1 || sawReconnecting,
            "the drop made the viewer reconnect: " + viewer.status());
      }
      assertTrue(seen.stream().allMatch(s -> s.width() == 768), "frames are 768 wide");
      long bright = seen.stream().filter(s -> s.seconds() < 2.5 && s.luma() > 50).count();
      long dark =
          seen.stream()
              .filter(s -> s.seconds() > 3.6 && s.seconds() < 4.8 && s.luma() < 15)
              .count();
      long duringDrop = seen.stream().filter(s -> s.seconds() > 6.6 && s.seconds() < 7.8).count();
      long after = seen.stream().filter(s -> s.seconds() > 9 && s.luma() > 50).count();
      assertTrue(
          bright >= 5, "clear frames before the black window: " + bright + " of " + seen.size());
      assertTrue(dark >= 5, "black frames in the black window: " + dark);
      assertEquals(0, duringDrop, "no frames while the camera is dropped");
      assertTrue(after >= 5, "frames again after the drop: " + after);
    }
  }

  @Test
  void ffprobeSeesAMotionJpegStreamOfTheClipsSize() throws Exception {
    CaptureService capture = HostCapture.withDefaults();
    try (CameraServer server = new CameraServer()) {
      server.add(
          new SimulatedCamera(
              "yard", SharedData.vtestMjpeg().toString(), FaultSchedule.NONE, 1, capture));
      Process probe =
          new ProcessBuilder(
                  "ffprobe",
                  "-v",
                  "error",
                  "-select_streams",
                  "v:0",
                  "-show_entries",
                  "stream=codec_name,width,height",
                  "-of",
                  "csv=p=0",
                  server.streamUrl("yard"))
              .redirectErrorStream(true)
              .start();
      String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      assertEquals(0, probe.waitFor());
      assertEquals("mjpeg,768,576", out);
    }
  }
}
