// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.watchpost.api.frame.FeedMode;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameFeed;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.frame.SourceState;
import org.watchpost.testing.Configs;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.RtspServer;
import org.watchpost.testing.SharedData;

/**
 * Capture from a real RTSP server (GStreamer's, serving vtest.mp4 as H.264): both transports,
 * credentials that never show, a server that hangs (SIGSTOP) or dies, with short timeouts so the
 * whole class runs in well under a minute. Figures are printed with the prefix "rtsp-figures:".
 */
class RtspCaptureTest {
  private static final String USER = "watcher";
  private static final String SECRET = "s3cretPa55";
  private static final ScheduledExecutorService TIMERS =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "test-stall-watchdog");
            t.setDaemon(true);
            return t;
          });

  @AfterAll
  static void stopTimers() {
    TIMERS.shutdownNow();
  }

  /**
   * Short timeouts: a stall is torn down after 3 s, a silent socket fails in ffmpeg after 5 s,
   * reconnects within 1 s.
   */
  private static CaptureConfig fast(String transport) {
    Map<String, Object> values = new HashMap<>();
    values.put("reconnect_initial_ms", 200L);
    values.put("reconnect_max_ms", 1000L);
    values.put("stall_timeout_s", 3);
    values.put("io_timeout_s", 5);
    values.put("probe_timeout_s", 4);
    values.put("rtsp_transport", transport);
    return Configs.with(CaptureConfig.class, values);
  }

  private static RtspServer server(String name, boolean auth) {
    return RtspServer.start(
        SharedData.scratchDirectory(name),
        SharedData.vtestH264(),
        auth ? USER : null,
        auth ? SECRET : null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp", "udp"})
  @Timeout(60)
  void capturesOverRtspWithCredentialsThatNeverReachTheCommandLine(String transport)
      throws Exception {
    try (RtspServer server = server("rtsp-" + transport, true);
        LogCapture logs = LogCapture.start()) {
      ResilientFrameSource source =
          new ResilientFrameSource(
              new SourceSpec("cam", server.url(USER, SECRET), false, false),
              fast(transport),
              TIMERS);
      try {
        long lastStream = -1;
        for (int i = 0; i < 20; i++) {
          try (Frame frame = source.read()) {
            assertNotNull(frame);
            assertEquals(768, frame.width());
            assertEquals(576, frame.height());
            assertTrue(frame.streamMillis() > lastStream);
            lastStream = frame.streamMillis();
          }
          if (i == 0) {
            String commandLine =
                commandLine(((FfmpegVideoStream) source.currentStream()).process().pid());
            assertTrue(commandLine.contains("concat"), commandLine);
            assertFalse(commandLine.contains(SECRET) || commandLine.contains(USER), commandLine);
          }
        }
        assertEquals(SourceState.RUNNING, source.status().state());
        assertTrue(
            source.status().detail().startsWith("ffmpeg-yuv 768x576"), source.status().detail());
      } finally {
        source.close();
      }
      assertEquals("rtsp://***@127.0.0.1:" + server.port() + "/cam", source.status().detail());
      assertFalse(logs.text().contains(SECRET), logs.text());
    }
  }

  @Test
  @Timeout(60)
  void wrongCredentialsAndAnUnreachableCameraGiveAClearErrorWithoutThePassword() throws Exception {
    try (RtspServer server = server("rtsp-auth", true);
        LogCapture logs = LogCapture.start()) {
      String wrong = "rtsp://" + USER + ":" + SECRET + "-old@127.0.0.1:" + server.port() + "/cam";
      String unreachable =
          "rtsp://" + USER + ":" + SECRET + "@127.0.0.1:" + Mosquitto.freePort() + "/cam";
      CaptureComponent capture = new CaptureComponent(fast("tcp"));
      try (FrameFeed refused =
              capture.feed(
                  capture.open(new SourceSpec("cam-a", wrong, false, false)),
                  FeedMode.NEWEST_WINS);
          FrameFeed absent =
              capture.feed(
                  capture.open(new SourceSpec("cam-b", unreachable, false, false)),
                  FeedMode.NEWEST_WINS)) {
        waitFor(
            () -> refused.status().detail().contains("401"),
            20,
            () -> "401 in " + refused.status());
        waitFor(
            () -> absent.status().detail().contains("refused"),
            20,
            () -> "refused in " + absent.status());
        for (FrameFeed feed : new FrameFeed[] {refused, absent}) {
          assertEquals(SourceState.RECONNECTING, feed.status().state());
          assertFalse(feed.status().detail().contains(SECRET), feed.status().detail());
          assertTrue(
              feed.status().detail().contains("rtsp://***@127.0.0.1:"), feed.status().detail());
        }
        System.out.println("rtsp-figures: wrong credentials -> " + refused.status().detail());
        System.out.println("rtsp-figures: unreachable -> " + absent.status().detail());
      }
      String log = logs.text();
      assertTrue(log.contains("401"), "the log says why: " + log);
      assertFalse(log.contains(SECRET), log);
    }
  }

  @Test
  @Timeout(90)
  void aFrozenServerIsTornDownAndFramesComeBackAfterItThaws() throws Exception {
    try (RtspServer server = server("rtsp-freeze", false)) {
      CaptureComponent capture = new CaptureComponent(fast("tcp"));
      ResilientFrameSource source =
          (ResilientFrameSource) capture.open(new SourceSpec("cam", server.url(), false, false));
      try (FrameFeed feed = capture.feed(source, FeedMode.NEWEST_WINS)) {
        for (int i = 0; i < 10; i++) {
          Frame frame = feed.take(Duration.ofSeconds(20));
          assertNotNull(frame, "frames before the freeze");
          frame.close();
        }
        server.freeze();
        long frozeAt = System.nanoTime();
        waitFor(
            () -> feed.status().state() != SourceState.RUNNING,
            10,
            () -> "the source leaves RUNNING within 10 s of the freeze: " + feed.status());
        double detected = seconds(frozeAt);
        assertEquals(SourceState.RECONNECTING, feed.status().state());
        assertTrue(
            source.stalls() >= 1 || feed.status().detail().contains("timed out"),
            feed.status().detail());
        String reason = feed.status().detail();
        // Still frozen: a reconnect attempt against the hung server (it accepts the connection,
        // then answers
        // nothing) must fail within the probe timeout rather than hang.
        waitFor(
            () ->
                feed.status().detail().contains("ffprobe did not answer")
                    || feed.status().detail().contains("timed out"),
            15,
            () -> "a failed attempt while frozen: " + feed.status());
        String attempt = feed.status().detail();
        drain(feed);
        assertEquals(SourceState.RECONNECTING, feed.status().state(), "no frames while frozen");
        server.thaw();
        long thawedAt = System.nanoTime();
        waitFor(() -> take(feed), 10, () -> "a frame within 10 s of SIGCONT: " + feed.status());
        double recovered = seconds(thawedAt);
        System.out.printf(
            Locale.ROOT,
            "rtsp-figures: SIGSTOP -> source left RUNNING after %.1f s (%s); while frozen: "
                + "%s; SIGCONT -> frames again after %.1f s; %d reconnects%n",
            detected,
            reason,
            attempt,
            recovered,
            feed.status().reconnects());
      }
    }
  }

  @Test
  @Timeout(90)
  void aKilledServerIsReconnectedWhenItComesBackAndStreamTimeRunsOnMonotonic() throws Exception {
    // The wall clock is stepped back an hour and then forward an hour while frames come: stream
    // time must not
    // notice; the wall clock only labels the frames.
    AtomicLong offset = new AtomicLong();
    Clock jumping =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return Instant.ofEpochMilli(System.currentTimeMillis() + offset.get());
          }
        };
    try (RtspServer server = server("rtsp-kill", false)) {
      ResilientFrameSource source =
          new ResilientFrameSource(
              new SourceSpec("cam", server.url(), false, false), fast("tcp"), TIMERS, jumping);
      try {
        long lastStream = -1;
        long lastCapture = 0;
        for (int i = 0; i < 30; i++) {
          if (i == 10) {
            offset.set(-3_600_000);
          } else if (i == 20) {
            offset.set(+3_600_000);
          }
          try (Frame frame = source.read()) {
            if (lastStream >= 0) {
              long step = frame.streamMillis() - lastStream;
              assertTrue(
                  step > 0 && step < 2_000, "stream time steps by " + step + " ms at frame " + i);
              if (i == 10) {
                assertTrue(
                    frame.captureEpochMillis() < lastCapture - 3_000_000,
                    "the label follows the wall clock");
              }
            }
            lastStream = frame.streamMillis();
            lastCapture = frame.captureEpochMillis();
          }
        }
        server.kill();
        long killedAt = System.nanoTime();
        server.restart();
        double restarted = seconds(killedAt);
        // Frames ffmpeg had decoded before the kill may still come; then the loss, then the new
        // connection.
        long beforeReconnect = lastStream;
        Frame next = source.read();
        while (next != null && source.status().reconnects() == 0) {
          assertTrue(next.streamMillis() > beforeReconnect);
          beforeReconnect = next.streamMillis();
          next.close();
          assertTrue(seconds(killedAt) < 30, "reconnected within 30 s");
          next = source.read();
        }
        double recovered = seconds(killedAt);
        Frame reconnected = next;
        try (reconnected) {
          assertNotNull(next);
          assertTrue(
              next.streamMillis() > beforeReconnect, "stream time continues across the reconnect");
          long beforeKill = beforeReconnect;
          System.out.printf(
              Locale.ROOT,
              "rtsp-figures: server killed, up again after %.1f s, frames again after "
                  + "%.1f s (%d reconnects); stream time %d -> %d ms across the reconnect%n",
              restarted,
              recovered,
              source.status().reconnects(),
              beforeKill,
              next.streamMillis());
        }
      } finally {
        source.close();
      }
    }
  }

  @Test
  @Timeout(60)
  void aStreamClaimingAHugeFrameIsRefusedBeforeAnyBufferIsAllocated() throws Exception {
    // Fault injection: an ffprobe that reports what a hostile camera would claim.
    Path dir = SharedData.scratchDirectory("huge-frame");
    Path probe = dir.resolve("ffprobe");
    Files.writeString(probe, "#!/bin/sh\necho 16384,16384,25/1\n");
    assertTrue(probe.toFile().setExecutable(true));
    Map<String, Object> values =
        new HashMap<>(
            Map.of(
                "reconnect_initial_ms",
                200L,
                "reconnect_max_ms",
                500L,
                "ffprobe_path",
                probe.toString()));
    long directBefore = directMemory();
    CaptureComponent capture = new CaptureComponent(Configs.with(CaptureConfig.class, values));
    try (FrameFeed feed =
        capture.feed(
            capture.open(new SourceSpec("cam", "rtsp://127.0.0.1:9/cam", false, false)),
            FeedMode.NEWEST_WINS)) {
      waitFor(
          () -> feed.status().detail().contains("refused"), 20, () -> "refused: " + feed.status());
      String detail = feed.status().detail();
      assertTrue(detail.contains("16384x16384") && detail.contains("4096x4096"), detail);
      assertEquals(SourceState.RECONNECTING, feed.status().state());
      System.out.println("rtsp-figures: huge frame -> " + detail);
    }
    assertTrue(
        directMemory() - directBefore < 64L << 20,
        "direct memory grew by " + (directMemory() - directBefore));
  }

  private static long directMemory() {
    return java.lang.management.ManagementFactory.getPlatformMXBeans(
            java.lang.management.BufferPoolMXBean.class)
        .stream()
        .filter(b -> b.getName().equals("direct"))
        .mapToLong(b -> b.getMemoryUsed())
        .sum();
  }

  private static boolean take(FrameFeed feed) {
    try {
      Frame frame = feed.take(Duration.ofMillis(100));
      if (frame == null) {
        return false;
      }
      frame.close();
      return true;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void drain(FrameFeed feed) throws Exception {
    Frame frame;
    while ((frame = feed.take(Duration.ofMillis(10))) != null) {
      frame.close();
    }
  }

  private static double seconds(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1e9;
  }

  private static void waitFor(
      BooleanSupplier condition, int seconds, java.util.function.Supplier<String> message)
      throws InterruptedException {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(message.get());
      }
      Thread.sleep(50);
    }
  }

  private static String commandLine(long pid) throws Exception {
    return new String(
            Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
            StandardCharsets.UTF_8)
        .replace('\0', ' ');
  }

  /**
   * Everything written to System.err (where slf4j-simple logs) while it is open, passed on as well.
   */
  static final class LogCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    static LogCapture start() {
      LogCapture capture = new LogCapture();
      System.setErr(
          new PrintStream(
              new OutputStream() {
                @Override
                public void write(int b) {
                  capture.original.write(b);
                  synchronized (capture.copy) {
                    capture.copy.write(b);
                  }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                  capture.original.write(b, off, len);
                  synchronized (capture.copy) {
                    capture.copy.write(b, off, len);
                  }
                }
              },
              true,
              StandardCharsets.UTF_8));
      return capture;
    }

    String text() {
      synchronized (copy) {
        return copy.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() {
      System.setErr(original);
    }
  }
}
