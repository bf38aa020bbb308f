package org.watchpost.health.internal;

import java.io.IOException;
import java.nio.file.Path;
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
 * Plays a real clip through a fault injector into a frame observer the way the pipeline does, in the clip's
 * own time and faster than real time: every delivered frame to {@code onFrame}, and the source status to
 * {@code onSourceStatus} at each whole second of stream time, also while a drop delivers nothing.
 */
final class ClipRun {
  private static final CaptureComponent CAPTURE = new CaptureComponent(Configs.defaults(CaptureConfig.class));

  private ClipRun() {}

  static Path vtest() {
    return SharedData.vtestMjpeg();
  }

  /** Plays {@code clip} up to {@code untilMillis} of stream time (or its end), then reports it ended. */
  static void play(FrameObserver observer, String cameraId, Path clip, FaultSchedule schedule, long untilMillis)
      throws IOException {
    play(observer, cameraId, clip, schedule, untilMillis, false, frame -> frame);
  }

  /** As above; {@code loop}: the clip starts again at its end, in one stream time, as a scenario's camera plays it. */
  static void play(FrameObserver observer, String cameraId, Path clip, FaultSchedule schedule, long untilMillis,
      boolean loop) throws IOException {
    play(observer, cameraId, clip, schedule, untilMillis, loop, frame -> frame);
  }

  static void play(FrameObserver observer, String cameraId, Path clip, FaultSchedule schedule, long untilMillis,
      UnaryOperator<Frame> spoil) throws IOException {
    play(observer, cameraId, clip, schedule, untilMillis, false, spoil);
  }

  /**
   * As {@link #play(FrameObserver, String, Path, FaultSchedule, long)}, with each delivered frame passed through
   * {@code spoil} (which owns it and returns the frame to observe, or null for none) to make bad input.
   */
  private static void play(FrameObserver observer, String cameraId, Path clip, FaultSchedule schedule, long untilMillis,
      boolean loop, UnaryOperator<Frame> spoil) throws IOException {
    FaultInjector injector = new FaultInjector(schedule);
    long nextTick = 0;
    long clockOffset = 0;
    try (FrameSource source = CAPTURE.open(new SourceSpec(cameraId, clip.toString(), loop, false))) {
      Frame frame;
      while ((frame = source.read()) != null) {
        long stream = frame.streamMillis();
        if (stream > untilMillis) {
          frame.close();
          break;
        }
        clockOffset = frame.captureEpochMillis() - stream;
        while (nextTick <= stream) {
          observer.onSourceStatus(cameraId, injector.status(source.status()), clockOffset + nextTick);
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
      observer.onSourceStatus(cameraId, new SourceStatus(SourceState.ENDED, clockOffset + nextTick, 0, "end of clip"),
          clockOffset + nextTick);
    }
  }
}
