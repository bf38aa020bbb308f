// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.frame.SourceState;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.api.frame.SourceUris;

/**
 * A camera source that survives the loss of its stream: it reopens with jittered exponential
 * backoff, keeps the frame sequence going, and for a file resumes where the broken decoder stopped.
 * Logs once per state change, never per frame.
 *
 * <p>A stream that blocks in a read for {@code stall.timeout.s} is torn down by a watchdog (its
 * ffmpeg killed) and reopened: a half-open connection must not hold a camera forever. Live frames
 * get their stream time from the monotonic clock, counted from the first open and continuing across
 * reconnects, so that no timer downstream jumps with the wall clock; the wall clock only labels
 * them. Nothing this class shows (status, logs, exceptions) carries the URI's credentials:
 * everything goes through {@link SourceUris}.
 */
final class ResilientFrameSource implements FrameSource {
  private static final Logger LOG = LoggerFactory.getLogger(ResilientFrameSource.class);

  private final SourceSpec spec;
  private final SourceUri uri;

  /** The URI as it may be shown. */
  private final String shown;

  private final Clock wallClock;
  private final long stallNanos;
  private final ScheduledFuture<?> watchdog;
  private final CaptureConfig config;
  private final FramePool pool;
  private final RetryPolicy<VideoStream> reopenPolicy;
  private final AtomicReference<SourceStatus> status;
  private volatile boolean closed;
  private volatile VideoStream stream;
  private volatile Thread reader;

  private long nextSequence;

  /** Frames of the current file pass already delivered, to resume after a decoder crash. */
  private long framesIntoPass;

  /** Stream time where the current file pass started (grows with each loop). */
  private long passOffsetMillis;

  private long lastStreamMillis = -1;
  private long openedAtMillis;
  private long pacingStartNanos;

  /** Monotonic origin of a live source's stream time: its first open. */
  private long liveOriginNanos;

  /** When the pending read began (System.nanoTime), 0 when no read is pending. */
  private volatile long readingSinceNanos;

  /**
   * True from an open until that stream's first frame: ffmpeg connects again and waits for a key
   * frame.
   */
  private volatile boolean awaitingFirstFrame;

  /** Why the watchdog tore the current stream down, null if it did not. */
  private volatile String stallReason;

  private volatile long stalls;
  private long reconnects;
  private boolean everOpened;

  ResilientFrameSource(SourceSpec spec, CaptureConfig config, ScheduledExecutorService timers) {
    this(spec, config, timers, Clock.systemUTC());
  }

  /**
   * @param timers runs the stall watchdog
   * @param wallClock labels frames and states with the time of day; no duration is measured with it
   */
  ResilientFrameSource(
      SourceSpec spec, CaptureConfig config, ScheduledExecutorService timers, Clock wallClock) {
    this.spec = spec;
    this.uri = SourceUri.parse(spec.uri());
    this.shown = SourceUris.redact(uri.target());
    this.config = config;
    this.wallClock = wallClock;
    this.pool = new FramePool(config.frame_pool_size());
    this.status =
        new AtomicReference<>(new SourceStatus(SourceState.STARTING, wallClock.millis(), 0, shown));
    this.stallNanos = TimeUnit.SECONDS.toNanos(Math.max(1, config.stall_timeout_s()));
    long checkMillis = Math.max(100, TimeUnit.NANOSECONDS.toMillis(stallNanos) / 10);
    this.watchdog =
        timers.scheduleWithFixedDelay(
            this::checkStall, checkMillis, checkMillis, TimeUnit.MILLISECONDS);
    this.reopenPolicy =
        RetryPolicy.<VideoStream>builder()
            .handle(IOException.class)
            .abortIf(result -> closed)
            .abortOn(SourceClosedException.class)
            .withBackoff(
                Duration.ofMillis(config.reconnect_initial_ms()),
                Duration.ofMillis(
                    Math.max(config.reconnect_initial_ms(), config.reconnect_max_ms())))
            .withJitter(config.reconnect_jitter())
            .withMaxRetries(-1)
            .onFailedAttempt(event -> onOpenFailed(event.getLastException()))
            .build();
  }

  @Override
  public String cameraId() {
    return spec.cameraId();
  }

  @Override
  public SourceStatus status() {
    return status.get();
  }

  @Override
  public Frame read() throws IOException {
    reader = Thread.currentThread();
    try {
      return readNext();
    } finally {
      reader = null;
      if (closed) {
        VideoStream current = stream;
        if (current != null) {
          closeStream(current);
        }
      }
    }
  }

  private Frame readNext() throws IOException {
    while (!closed) {
      VideoStream current = stream;
      if (current == null) {
        current = reopen();
        if (current == null) {
          return null;
        }
      }
      long started = System.nanoTime();
      ByteBuffer pixels = null;
      DeferredPicture deferred = null;
      readingSinceNanos = started | 1;
      try {
        if (current.defers()) {
          deferred = current.readDeferred();
        } else {
          pixels = current.read(pool);
        }
      } catch (IOException e) {
        if (closed) {
          break;
        }
        String stalled = stallReason;
        lose(current, stalled != null ? stalled : redacted(e.getMessage()));
        continue;
      } finally {
        readingSinceNanos = 0;
      }
      if (stallReason != null) {
        // The watchdog fired just as this frame came: the stream is being killed, so it is read no
        // further.
        if (pixels != null) {
          pool.release(pixels);
        }
        if (deferred != null) {
          deferred.release().run();
        }
        lose(current, stallReason);
        continue;
      }
      long decodeNanos = System.nanoTime() - started;
      if (pixels == null && deferred == null) {
        closeStream(current);
        if (spec.loop()) {
          passOffsetMillis = lastStreamMillis + frameIntervalMillis(current.info());
          framesIntoPass = 0;
          continue;
        }
        transition(SourceState.ENDED, "end of " + shown);
        return null;
      }
      awaitingFirstFrame = false;
      return deliver(current, pixels, deferred, decodeNanos);
    }
    return null;
  }

  private Frame deliver(
      VideoStream current, ByteBuffer pixels, DeferredPicture deferred, long decodeNanos) {
    StreamInfo info = current.info();
    long streamMillis;
    long captureMillis;
    if (info.finite()) {
      double fps = info.fps() > 0 ? info.fps() : 25;
      streamMillis = passOffsetMillis + Math.round(framesIntoPass * 1000.0 / fps);
      captureMillis = openedAtMillis + streamMillis;
      if (spec.realtime()) {
        pace(streamMillis);
      }
    } else {
      streamMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - liveOriginNanos);
      captureMillis = wallClock.millis();
    }
    if (streamMillis <= lastStreamMillis) {
      streamMillis = lastStreamMillis + 1;
    }
    lastStreamMillis = streamMillis;
    framesIntoPass++;
    if (deferred != null) {
      return Frame.deferred(
          spec.cameraId(),
          nextSequence++,
          captureMillis,
          streamMillis,
          decodeNanos,
          current.lastWidth(),
          current.lastHeight(),
          deferred.grey(),
          deferred.decoder(),
          deferred.release());
    }
    return new Frame(
        spec.cameraId(),
        nextSequence++,
        captureMillis,
        streamMillis,
        decodeNanos,
        current.lastWidth(),
        current.lastHeight(),
        pixels,
        () -> pool.release(pixels));
  }

  private void pace(long streamMillis) {
    long dueNanos = pacingStartNanos + streamMillis * 1_000_000L;
    long waitNanos = dueNanos - System.nanoTime();
    if (waitNanos > 0) {
      try {
        Thread.sleep(waitNanos / 1_000_000L, (int) (waitNanos % 1_000_000L));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static long frameIntervalMillis(StreamInfo info) {
    return Math.round(1000.0 / (info.fps() > 0 ? info.fps() : 25));
  }

  private VideoStream reopen() throws IOException {
    try {
      VideoStream opened = Failsafe.with(reopenPolicy).get(this::openOnce);
      if (opened == null || closed) {
        if (opened != null) {
          opened.close();
        }
        return null;
      }
      if (!everOpened) {
        everOpened = true;
        openedAtMillis = wallClock.millis();
        pacingStartNanos = System.nanoTime();
        liveOriginNanos = pacingStartNanos;
      } else {
        reconnects++;
      }
      awaitingFirstFrame = true;
      stream = opened;
      StreamInfo info = opened.info();
      transition(
          SourceState.RUNNING,
          info.backend()
              + " "
              + info.width()
              + "x"
              + info.height()
              + (info.fps() > 0 ? String.format(" at %.2f fps", info.fps()) : ""));
      if (closed) {
        closeStream(opened);
        return null;
      }
      return opened;
    } catch (FailsafeException e) {
      if (closed || e.getCause() instanceof InterruptedException) {
        return null;
      }
      Throwable cause = e.getCause();
      throw new IOException(
          "cannot reopen "
              + shown
              + ": "
              + redacted(cause == null ? "unknown error" : cause.getMessage()));
    }
  }

  private VideoStream openOnce() throws IOException {
    if (closed) {
      throw new SourceClosedException();
    }
    switch (uri.kind()) {
      case V4L2_DEVICE:
        return OpenCvVideoStream.openDevice(
            uri.deviceIndex(), uri.target(), FrameLimits.of(config));
      case NETWORK:
        return FfmpegVideoStream.open(uri.target(), true, 0, config);
      case FILE:
      default:
        if (!Files.isReadable(Path.of(uri.target()))) {
          throw new IOException("source file " + shown + " does not exist or is not readable");
        }
        boolean avi = isAvi(Path.of(uri.target()));
        if (avi && config.deferred_decode()) {
          // ffmpeg copies the JPEG frames out undecoded; OpenCV's reader, which decodes each one in
          // full, is
          // the fallback where ffmpeg is missing.
          try {
            return FfmpegVideoStream.open(uri.target(), false, framesIntoPass, config);
          } catch (IOException e) {
            VideoStream mjpeg =
                OpenCvVideoStream.openMjpegFile(
                    uri.target(), framesIntoPass, FrameLimits.of(config));
            if (mjpeg == null) {
              throw e;
            }
            LOG.info(
                "camera {}: {}; reading it with OpenCV's Motion-JPEG reader",
                spec.cameraId(),
                redacted(e.getMessage()));
            return mjpeg;
          }
        }
        VideoStream mjpeg =
            avi
                ? OpenCvVideoStream.openMjpegFile(
                    uri.target(), framesIntoPass, FrameLimits.of(config))
                : null;
        return mjpeg != null
            ? mjpeg
            : FfmpegVideoStream.open(uri.target(), false, framesIntoPass, config);
    }
  }

  /**
   * OpenCV's own reader handles only Motion-JPEG in AVI; other containers go straight to ffmpeg.
   */
  private static boolean isAvi(Path file) throws IOException {
    try (var in = Files.newInputStream(file)) {
      byte[] header = in.readNBytes(12);
      return header.length == 12
          && new String(header, 0, 4, StandardCharsets.US_ASCII).equals("RIFF")
          && new String(header, 8, 4, StandardCharsets.US_ASCII).equals("AVI ");
    }
  }

  private void onOpenFailed(Throwable error) {
    if (closed) {
      return;
    }
    String detail = redacted(error == null ? "unknown error" : error.getMessage());
    SourceStatus previous = status.get();
    boolean alreadyReported =
        previous.state() == SourceState.RECONNECTING && previous.detail().equals(detail);
    if (!alreadyReported) {
      LOG.warn(
          "camera {}: {}; retrying with backoff up to {} ms",
          spec.cameraId(),
          detail,
          config.reconnect_max_ms());
    }
    long since =
        previous.state() == SourceState.RECONNECTING
            ? previous.sinceEpochMillis()
            : wallClock.millis();
    status.set(new SourceStatus(SourceState.RECONNECTING, since, reconnects, detail));
  }

  private void lose(VideoStream current, String reason) {
    closeStream(current);
    stallReason = null;
    transition(SourceState.RECONNECTING, reason);
  }

  /**
   * Runs on the timer thread: a read pending for longer than the stall timeout means the stream is
   * dead whatever its socket says; killing the decoder unblocks the read, which then reports the
   * loss.
   */
  private void checkStall() {
    long since = readingSinceNanos;
    VideoStream current = stream;
    if (since == 0 || current == null || closed || stallReason != null) {
      return;
    }
    long blockedNanos = System.nanoTime() - since;
    long limitNanos =
        stallLimitNanos(
            stallNanos,
            TimeUnit.SECONDS.toNanos(config.probe_timeout_s()),
            awaitingFirstFrame,
            current.info().fps());
    if (blockedNanos >= limitNanos) {
      stalls++;
      stallReason =
          String.format(
              java.util.Locale.ROOT,
              "no frame for %.1f s (limit %.1f s, stall.timeout.s %d): stream torn down, reopening (%d stalls so far)",
              blockedNanos / 1e9,
              limitNanos / 1e9,
              config.stall_timeout_s(),
              stalls);
      LOG.warn("camera {}: {}", spec.cameraId(), stallReason);
      current.abort();
    }
  }

  /**
   * How long a read may block before the stream counts as stalled: the stall timeout, but at least
   * three frame intervals of a slow camera (one frame every 5 s is a configuration, not a stall),
   * and for the first frame of a new stream also the probe timeout, since ffmpeg connects again and
   * waits for a key frame, which some cameras send every 10 s.
   */
  static long stallLimitNanos(
      long stallNanos, long firstFrameGraceNanos, boolean firstFrame, double fps) {
    long limit = stallNanos;
    if (fps > 0) {
      limit = Math.max(limit, Math.round(3e9 / fps));
    }
    return firstFrame ? limit + firstFrameGraceNanos : limit;
  }

  /** How many times the watchdog tore a stalled stream down. */
  long stalls() {
    return stalls;
  }

  /** A message fit to be shown: no credential of this source's URI, in a URL or alone. */
  private String redacted(String message) {
    return SourceUris.redactText(message == null ? "unknown error" : message, spec.uri());
  }

  private void closeStream(VideoStream current) {
    if (stream == current) {
      stream = null;
    }
    current.close();
  }

  private void transition(SourceState next, String rawDetail) {
    String detail = redacted(rawDetail);
    SourceStatus previous = status.get();
    if (previous.state() != next) {
      if (next == SourceState.RECONNECTING) {
        LOG.warn("camera {} lost its stream: {}", spec.cameraId(), detail);
      } else {
        LOG.info("camera {} {}: {}", spec.cameraId(), next.name().toLowerCase(), detail);
      }
      status.set(new SourceStatus(next, wallClock.millis(), reconnects, detail));
    } else {
      status.set(new SourceStatus(next, previous.sinceEpochMillis(), reconnects, detail));
    }
  }

  /** The stream currently open, for tests that break it on purpose. */
  VideoStream currentStream() {
    return stream;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    watchdog.cancel(false);
    Thread waiting = reader;
    VideoStream current = stream;
    if (waiting == null) {
      if (current != null) {
        closeStream(current);
      }
    } else if (current != null) {
      // Unblocks a reader waiting on the stream; the reader closes it on its way out.
      current.abort();
    } else {
      waiting.interrupt();
    }
    status.set(new SourceStatus(SourceState.CLOSED, wallClock.millis(), reconnects, shown));
  }

  /** Aborts the reopen loop once the source is closed. */
  private static final class SourceClosedException extends IOException {
    private static final long serialVersionUID = 1L;
  }
}
