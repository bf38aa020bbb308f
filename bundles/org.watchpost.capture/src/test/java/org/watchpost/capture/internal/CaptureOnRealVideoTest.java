// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.watchpost.api.frame.EndOfStreamException;
import org.watchpost.api.frame.FeedMode;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameFeed;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.frame.SourceState;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

class CaptureOnRealVideoTest {
  private static final int VTEST_FRAMES = 795;

  private final CaptureComponent capture =
      new CaptureComponent(Configs.defaults(CaptureConfig.class));

  @Test
  @Timeout(120)
  void motionJpegFileIsReadByOpenCvWithEveryFrameInOrder() throws Exception {
    CaptureComponent eager =
        new CaptureComponent(Configs.with(CaptureConfig.class, Map.of("deferred_decode", false)));
    FrameSource source =
        eager.open(new SourceSpec("cam", SharedData.vtestMjpeg().toString(), false, false));
    assertEquals(VTEST_FRAMES, countFrames(source, "opencv-mjpeg"));
  }

  @Test
  @Timeout(120)
  void motionJpegFileIsCopiedOutByFfmpegWithEveryFrameInOrder() throws Exception {
    FrameSource source =
        capture.open(new SourceSpec("cam", SharedData.vtestMjpeg().toString(), false, false));
    assertEquals(VTEST_FRAMES, countFrames(source, "ffmpeg-mjpeg"));
  }

  @Test
  @Timeout(120)
  void h264FileIsReadThroughFfmpegWithEveryFrameInOrder() throws Exception {
    FrameSource source =
        capture.open(new SourceSpec("cam", SharedData.vtestH264().toString(), false, false));
    assertEquals(VTEST_FRAMES, countFrames(source, "ffmpeg"));
  }

  @Test
  @Timeout(120)
  void divxFileIsReadThroughFfmpeg() throws Exception {
    FrameSource source =
        capture.open(new SourceSpec("cam", SharedData.vtestDivx().toString(), false, false));
    Frame first = source.read();
    assertNotNull(first);
    assertEquals(768, first.width());
    first.close();
    source.close();
  }

  /** Reads a whole source, checking backend, size, sequence and time of each frame. */
  private static int countFrames(FrameSource source, String backend) throws Exception {
    int count = 0;
    long lastSequence = -1;
    long lastStream = -1;
    Frame frame;
    while ((frame = source.read()) != null) {
      try {
        if (count == 0) {
          assertTrue(source.status().detail().startsWith(backend), source.status().detail());
        }
        assertEquals(768, frame.width());
        assertEquals(576, frame.height());
        assertEquals(lastSequence + 1, frame.sequence(), "sequence numbers are consecutive");
        assertTrue(frame.streamMillis() > lastStream, "stream time increases");
        lastSequence = frame.sequence();
        lastStream = frame.streamMillis();
        count++;
      } finally {
        frame.close();
      }
    }
    assertEquals(SourceState.ENDED, source.status().state());
    source.close();
    return count;
  }

  @Test
  @Timeout(180)
  void killingFfmpegMidStreamReconnectsAndTheFeedContinues() throws Exception {
    CaptureComponent fastRetry =
        new CaptureComponent(
            Configs.with(
                CaptureConfig.class,
                Map.of("reconnect_initial_ms", 50L, "reconnect_max_ms", 200L)));
    ResilientFrameSource source =
        (ResilientFrameSource)
            fastRetry.open(new SourceSpec("cam", SharedData.vtestH264().toString(), false, false));
    try (FrameFeed feed = fastRetry.feed(source, FeedMode.EVERY_FRAME)) {
      long lastSequence = -1;
      long lastStream = -1;
      int frames = 0;
      int kills = 0;
      while (true) {
        Frame frame;
        try {
          frame = feed.take(Duration.ofSeconds(30));
        } catch (EndOfStreamException end) {
          break;
        }
        assertNotNull(frame, "a frame within 30 s");
        try (frame) {
          assertEquals(lastSequence + 1, frame.sequence());
          assertTrue(frame.streamMillis() > lastStream);
          lastSequence = frame.sequence();
          lastStream = frame.streamMillis();
          frames++;
        }
        if (frames == 200 || frames == 500) {
          FfmpegVideoStream stream = (FfmpegVideoStream) source.currentStream();
          stream.process().destroyForcibly().waitFor();
          kills++;
        }
      }
      assertEquals(2, kills);
      assertEquals(2, feed.status().reconnects(), "reopened once per kill");
      // The decoder resumes at the frame it had reached; a few frames buffered in the pipe may be
      // lost or
      // decoded twice around a kill, never more.
      assertTrue(Math.abs(frames - VTEST_FRAMES) <= 10, "frames read: " + frames);
    }
  }

  @Test
  @Timeout(60)
  void newestFrameWinsCountsTheFramesASlowConsumerMissed() throws Exception {
    FrameSource source =
        capture.open(new SourceSpec("cam", SharedData.vtestMjpeg().toString(), false, false));
    long taken = 0;
    try (FrameFeed feed = capture.feed(source, FeedMode.NEWEST_WINS)) {
      while (true) {
        Frame frame;
        try {
          frame = feed.take(Duration.ofSeconds(10));
        } catch (EndOfStreamException end) {
          break;
        }
        try (frame) {
          taken++;
          Thread.sleep(20);
        }
      }
      assertEquals(VTEST_FRAMES, feed.capturedFrames());
      assertTrue(feed.skippedFrames() > 0, "a slow consumer misses frames");
      assertEquals(
          feed.capturedFrames(),
          taken + feed.skippedFrames(),
          "every frame is either taken or counted");
    }
  }

  @Test
  @Timeout(30)
  void aMissingFileIsRetriedNotFatalAndClosingStopsTheRetries() throws Exception {
    CaptureComponent fastRetry =
        new CaptureComponent(
            Configs.with(
                CaptureConfig.class,
                Map.of("reconnect_initial_ms", 20L, "reconnect_max_ms", 100L)));
    FrameSource source =
        fastRetry.open(new SourceSpec("cam", "target/no-such-clip.avi", false, false));
    FrameFeed feed = fastRetry.feed(source, FeedMode.NEWEST_WINS);
    assertNull(feed.take(Duration.ofMillis(500)));
    assertEquals(SourceState.RECONNECTING, feed.status().state());
    assertTrue(feed.status().detail().contains("no-such-clip.avi"), feed.status().detail());
    feed.close();
    assertEquals(SourceState.CLOSED, source.status().state());
  }

  @Test
  @Timeout(30)
  void realtimePacingDeliversAFileAtItsOwnFrameRate() throws Exception {
    FrameSource source =
        capture.open(new SourceSpec("cam", SharedData.vtestMjpeg().toString(), false, true));
    long started = System.nanoTime();
    for (int i = 0; i < 21; i++) {
      source.read().close();
    }
    long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
    source.close();
    // 20 intervals of 100 ms at 10 fps; generous upper bound for a loaded machine.
    assertTrue(
        elapsedMillis >= 1_900 && elapsedMillis < 10_000, "elapsed " + elapsedMillis + " ms");
  }
}
