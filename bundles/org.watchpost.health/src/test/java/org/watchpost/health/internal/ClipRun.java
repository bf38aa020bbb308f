// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.frame.SourceState;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.api.pipeline.FrameObserver;
import org.watchpost.capture.internal.CaptureComponent;
import org.watchpost.capture.internal.CaptureConfig;
import org.watchpost.faults.FaultInjector;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

/**
 * Plays a real clip through a fault injector into a frame observer the way the pipeline does, in
 * the clip's own time and faster than real time: every delivered frame to {@code onFrame}, and the
 * source status to {@code onSourceStatus} at each whole second of stream time, also while a drop
 * delivers nothing.
 *
 * <p>The capture component decodes a clip once per test JVM (decoding was about five sixths of a
 * case's time, the health analysis the rest); every play then hands out the same frames, each a new
 * {@link Frame} over the kept pixels, stamped from the play's own start as a file source stamps
 * them. A looping play reads the source.
 */
final class ClipRun {
  private static final CaptureComponent CAPTURE =
      new CaptureComponent(Configs.defaults(CaptureConfig.class));

  private ClipRun() {}

  static Path vtest() {
    return SharedData.vtestMjpeg();
  }

  /**
   * Plays {@code clip} up to {@code untilMillis} of stream time (or its end), then reports it
   * ended.
   */
  static void play(
      FrameObserver observer, String cameraId, Path clip, FaultSchedule schedule, long untilMillis)
      throws IOException {
    play(observer, cameraId, clip, schedule, untilMillis, false, frame -> frame);
  }

  /**
   * As above; {@code loop}: the clip starts again at its end, in one stream time, as a scenario's
   * camera plays it.
   */
  static void play(
      FrameObserver observer,
      String cameraId,
      Path clip,
      FaultSchedule schedule,
      long untilMillis,
      boolean loop)
      throws IOException {
    play(observer, cameraId, clip, schedule, untilMillis, loop, frame -> frame);
  }

  static void play(
      FrameObserver observer,
      String cameraId,
      Path clip,
      FaultSchedule schedule,
      long untilMillis,
      UnaryOperator<Frame> spoil)
      throws IOException {
    play(observer, cameraId, clip, schedule, untilMillis, false, spoil);
  }

  /**
   * As {@link #play(FrameObserver, String, Path, FaultSchedule, long)}, with each delivered frame
   * passed through {@code spoil} (which owns it and returns the frame to observe, or null for none)
   * to make bad input.
   */
  private static void play(
      FrameObserver observer,
      String cameraId,
      Path clip,
      FaultSchedule schedule,
      long untilMillis,
      boolean loop,
      UnaryOperator<Frame> spoil)
      throws IOException {
    if (loop) {
      playLooping(observer, cameraId, clip, schedule, untilMillis, spoil);
      return;
    }
    FaultInjector injector = new FaultInjector(schedule);
    long opened = System.currentTimeMillis();
    long nextTick = 0;
    long clockOffset = 0;
    for (Decoded decoded : decoded(clip)) {
      long stream = decoded.streamMillis;
      if (stream > untilMillis) {
        break;
      }
      // As a file source stamps its frames: the time it was opened plus the frame's presentation
      // time.
      // As the capture component gave it: with its grey image, colour on demand (deferred
      // decoding),
      // or colour only.
      Frame frame =
          decoded.grey == null
              ? new Frame(
                  cameraId,
                  decoded.sequence,
                  opened + stream,
                  stream,
                  decoded.decodeNanos,
                  decoded.width,
                  decoded.height,
                  decoded.pixels.duplicate(),
                  null)
              : Frame.deferred(
                  cameraId,
                  decoded.sequence,
                  opened + stream,
                  stream,
                  decoded.decodeNanos,
                  decoded.width,
                  decoded.height,
                  new Frame.Grey(
                      decoded.grey.width(),
                      decoded.grey.height(),
                      decoded.grey.pixels().duplicate().clear()),
                  () -> decoded.pixels.duplicate().clear(),
                  null);
      clockOffset = frame.captureEpochMillis() - stream;
      while (nextTick <= stream) {
        SourceStatus status = decoded.status;
        observer.onSourceStatus(
            cameraId,
            injector.status(
                new SourceStatus(
                    status.state(),
                    opened + status.sinceEpochMillis(),
                    status.reconnects(),
                    status.detail())),
            clockOffset + nextTick);
        nextTick += 1000;
      }
      Frame injected = injector.apply(frame);
      Frame delivered = injected == null ? null : spoil.apply(injected);
      if (delivered != null) {
        try (delivered) {
          observer.onFrame(delivered);
        }
      }
    }
    observer.onSourceStatus(
        cameraId,
        new SourceStatus(SourceState.ENDED, clockOffset + nextTick, 0, "end of clip"),
        clockOffset + nextTick);
  }

  /**
   * One frame of a clip as the capture component decoded it, with the source's status right after.
   */
  private record Decoded(
      long sequence,
      long streamMillis,
      long decodeNanos,
      int width,
      int height,
      ByteBuffer pixels,
      Frame.Grey grey,
      SourceStatus status) {}

  /**
   * Decoded clips by path: decoding was most of each case's time, and frames are never written
   * (Frame's contract).
   */
  private static final Map<Path, List<Decoded>> DECODED = new HashMap<>();

  /**
   * The clip decoded once per JVM by the real capture component, its pixels (and its grey image,
   * when the capture gave one) kept in direct buffers (vtest: 795 frames, about 1 GB) and the
   * status's time relative to the opening, as the cases play it over and over.
   */
  private static synchronized List<Decoded> decoded(Path clip) throws IOException {
    List<Decoded> frames = DECODED.get(clip);
    if (frames != null) {
      return frames;
    }
    frames = new ArrayList<>();
    try (FrameSource source = CAPTURE.open(new SourceSpec("clip", clip.toString(), false, false))) {
      Frame read;
      while ((read = source.read()) != null) {
        try (Frame frame = read) {
          long opened = frame.captureEpochMillis() - frame.streamMillis();
          Frame.Grey grey = frame.grey();
          Frame.Grey keptGrey = null;
          if (grey != null) {
            ByteBuffer greyPixels = ByteBuffer.allocateDirect(grey.width() * grey.height());
            greyPixels.put(grey.pixels().duplicate().clear().limit(greyPixels.capacity())).clear();
            keptGrey = new Frame.Grey(grey.width(), grey.height(), greyPixels);
          }
          ByteBuffer pixels = ByteBuffer.allocateDirect(frame.width() * frame.height() * 3);
          pixels.put(frame.pixels().duplicate().clear().limit(pixels.capacity())).clear();
          SourceStatus status = source.status();
          frames.add(
              new Decoded(
                  frame.sequence(),
                  frame.streamMillis(),
                  frame.decodeNanos(),
                  frame.width(),
                  frame.height(),
                  pixels,
                  keptGrey,
                  new SourceStatus(
                      status.state(),
                      status.sinceEpochMillis() - opened,
                      status.reconnects(),
                      status.detail())));
        }
      }
    }
    frames = List.copyOf(frames);
    DECODED.put(clip, frames);
    return frames;
  }

  /**
   * A looping play straight from the capture component, which owns how a loop continues the stream
   * time.
   */
  private static void playLooping(
      FrameObserver observer,
      String cameraId,
      Path clip,
      FaultSchedule schedule,
      long untilMillis,
      UnaryOperator<Frame> spoil)
      throws IOException {
    FaultInjector injector = new FaultInjector(schedule);
    long nextTick = 0;
    long clockOffset = 0;
    try (FrameSource source =
        CAPTURE.open(new SourceSpec(cameraId, clip.toString(), true, false))) {
      Frame frame;
      while ((frame = source.read()) != null) {
        long stream = frame.streamMillis();
        if (stream > untilMillis) {
          frame.close();
          break;
        }
        clockOffset = frame.captureEpochMillis() - stream;
        while (nextTick <= stream) {
          observer.onSourceStatus(
              cameraId, injector.status(source.status()), clockOffset + nextTick);
          nextTick += 1000;
        }
        Frame injected = injector.apply(frame);
        Frame delivered = injected == null ? null : spoil.apply(injected);
        if (delivered != null) {
          try (delivered) {
            observer.onFrame(delivered);
          }
        }
      }
      observer.onSourceStatus(
          cameraId,
          new SourceStatus(SourceState.ENDED, clockOffset + nextTick, 0, "end of clip"),
          clockOffset + nextTick);
    }
  }
}
