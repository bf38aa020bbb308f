// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import dev.failsafe.Execution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.detect.Detection;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.frame.CaptureService;
import org.watchpost.api.frame.EndOfStreamException;
import org.watchpost.api.frame.FeedMode;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameFeed;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.frame.SourceState;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.api.frame.SourceUris;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.pipeline.AnalyticsResult;
import org.watchpost.api.pipeline.CameraAnalytics;
import org.watchpost.api.pipeline.CameraStatus;
import org.watchpost.api.pipeline.FrameObserver;
import org.watchpost.api.pipeline.LiveScene;
import org.watchpost.api.pipeline.LiveTap;
import org.watchpost.faults.FaultInjectingFrameSource;
import org.watchpost.faults.FaultSchedule;

/**
 * One camera: takes frames from its feed on its own thread, lets every frame observer see them,
 * runs analytics (or, without analytics, the detector on every frame), and hands events to the
 * sinks.
 *
 * <p>The thread supervises itself: a run that fails (an unexpected exception or error in any stage)
 * is torn down, {@link CameraState#PIPELINE_FAILED} is raised to the health sinks, the observers
 * hear a reconnecting source (so camera health raises NO_SIGNAL while it is down; only an orderly
 * stop reports CLOSED), and a new run starts after a backoff. The alarm clears on the first frame
 * that goes through again. A {@link VirtualMachineError} (out of memory, stack overflow, internal
 * error) leaves the JVM in a state no restart of one thread can trust: it ends the process, for
 * systemd to start afresh.
 */
final class CameraPipeline implements PipelineProgress {
  private static final Logger LOG = LoggerFactory.getLogger(CameraPipeline.class);

  /** How often observers hear the source's status, also while no frames come. */
  private static final long STATUS_INTERVAL_MILLIS = 1_000;

  private static final Duration TAKE_TIMEOUT = Duration.ofMillis(250);

  /**
   * Exit status after a VirtualMachineError (EX_SOFTWARE); any non-zero status makes systemd
   * restart the unit.
   */
  static final int FATAL_EXIT_STATUS = 70;

  /** The user information of a URI ({@code //user:secret@}), kept out of alarm reasons. */

  /** The default for a VirtualMachineError: log what can be logged and end the process at once. */
  static final BiConsumer<String, VirtualMachineError> HALT =
      (cameraId, error) -> {
        try {
          LOG.error(
              "camera {}: {}; ending the process so that it is started afresh",
              cameraId,
              error.toString());
        } finally {
          Runtime.getRuntime().halt(FATAL_EXIT_STATUS);
        }
      };

  private final String cameraId;
  private final SourceSpec spec;
  private final FaultSchedule faults;
  private final FeedMode mode;
  private final RunLimit limit;
  private final boolean printDetections;
  private final CaptureService capture;
  private final Detector detector;
  private final Supplier<CameraAnalytics> analyticsFactory;
  private final PipelineServices services;
  private final Consumer<CameraPipeline> onFinished;
  private final Supervision supervision;
  private final BiConsumer<String, VirtualMachineError> fatal;
  private final PipelineStats stats = new PipelineStats();

  /** The detector's recent cost, for device health: a minute at 10 fps. */
  private final Samples recentDetectorNanos = new Samples(600);

  /** Frames taken per second: up to 64 frames within 3 s. */
  private final FrameRate frameRate = new FrameRate(64, 3_000_000_000L);

  /** Frames the detector ran on, same window: what a camera gets of the shared detector. */
  private final FrameRate detectionRate = new FrameRate(64, 3_000_000_000L);

  /** Failures already logged, so that a broken stage is reported once, not per frame. */
  private final Set<String> reported = ConcurrentHashMap.newKeySet();

  private final AtomicLong failures = new AtomicLong();
  private final Thread thread;
  private volatile CameraAnalytics analytics;
  private volatile FrameFeed feed;

  /** While a failed run waits for its restart: what the source status says instead of CLOSED. */
  private volatile SourceStatus failedStatus;

  private volatile boolean stopping;
  private volatile boolean ended;
  private volatile boolean fatallyFailed;
  private volatile String detectorProblem;

  /** When the thread last went round its loop (System.nanoTime), for the systemd watchdog. */
  private volatile long progressNanos = System.nanoTime();

  private volatile long skippedBefore;
  private boolean failureRaised;
  private long lastCaptureMillis = Long.MIN_VALUE;
  private long firstCaptureMillis = Long.MIN_VALUE;
  private long lastStreamMillis;

  CameraPipeline(
      String cameraId,
      SourceSpec spec,
      FaultSchedule faults,
      FeedMode mode,
      RunLimit limit,
      boolean printDetections,
      CaptureService capture,
      Detector detector,
      Supplier<CameraAnalytics> analyticsFactory,
      PipelineServices services,
      Consumer<CameraPipeline> onFinished,
      Supervision supervision,
      BiConsumer<String, VirtualMachineError> fatal) {
    this.cameraId = cameraId;
    this.spec = spec;
    this.faults = faults;
    this.mode = mode;
    this.limit = limit;
    this.printDetections = printDetections;
    this.capture = capture;
    this.detector = detector;
    this.analyticsFactory = analyticsFactory;
    this.services = services;
    this.onFinished = onFinished;
    this.supervision = supervision;
    this.fatal = fatal;
    this.thread = new Thread(this::run, "pipeline-" + cameraId);
  }

  void start() {
    thread.start();
  }

  private void run() {
    try {
      Execution<Object> restarts = null;
      while (!stopping) {
        long startedNanos = System.nanoTime();
        Throwable failure;
        try {
          failure = runOnce();
        } catch (Throwable e) {
          // From the cleanup of a run (closing its feed or analytics): a failure like any other.
          failure = e;
        }
        if (failure == null || stopping) {
          break;
        }
        if (failure instanceof VirtualMachineError error) {
          fatallyFailed = true;
          fatal.accept(cameraId, error);
          return;
        }
        if (restarts == null
            || System.nanoTime() - startedNanos >= supervision.resetAfter().toNanos()) {
          restarts = supervision.restarts();
        }
        restarts.recordException(failure);
        Duration delay = restarts.getDelay();
        long count = failures.incrementAndGet();
        String reason = "pipeline failed: " + redact(failure.toString());
        failedStatus =
            new SourceStatus(
                SourceState.RECONNECTING,
                System.currentTimeMillis(),
                count,
                reason + "; restarting in " + delay.toMillis() + " ms");
        if (!failureRaised) {
          LOG.error(
              "camera {}: {} (failure {}); restarting in {} ms",
              cameraId,
              reason,
              count,
              delay.toMillis(),
              redacted(failure, 0));
          raise(reason, count, delay);
        } else {
          // Still down since the last alarm (no frame went through): one line, no new alarm every
          // restart.
          LOG.warn(
              "camera {}: {} again (failure {}); restarting in {} ms",
              cameraId,
              reason,
              count,
              delay.toMillis());
        }
        if (!waitBeforeRestart(delay)) {
          break;
        }
      }
    } finally {
      if (!stopping && !fatallyFailed) {
        onFinished.accept(this);
      }
    }
  }

  /**
   * One run from opening the source to its end; the failure that ended it, or null for an orderly
   * end.
   */
  private Throwable runOnce() {
    // Monotonic: a wall clock stepped back would stop the status reports (and so NO_SIGNAL) until
    // it caught up.
    long lastStatusNanos = System.nanoTime() - STATUS_INTERVAL_MILLIS * 1_000_000L;
    boolean failed = false;
    try {
      analytics = analyticsFactory == null ? null : analyticsFactory.get();
      FrameSource source = capture.open(spec);
      if (!faults.faults().isEmpty()) {
        LOG.warn(
            "camera {}: injecting faults {} (test or simulation configuration)", cameraId, faults);
        source = new FaultInjectingFrameSource(source, faults);
      }
      feed = capture.feed(source, mode);
      while (!stopping) {
        progressNanos = System.nanoTime();
        Frame frame;
        try {
          frame = feed.take(TAKE_TIMEOUT);
        } catch (EndOfStreamException e) {
          ended = true;
          LOG.info("camera {}: {}", cameraId, e.getMessage());
          break;
        }
        if (System.nanoTime() - lastStatusNanos >= STATUS_INTERVAL_MILLIS * 1_000_000L) {
          lastStatusNanos = System.nanoTime();
          tellStatus(feed.status(), System.currentTimeMillis());
        }
        if (frame != null) {
          try (frame) {
            process(frame);
          }
          if (failureRaised) {
            clear();
          }
          if (limit.reached(stats.frames(), lastCaptureMillis - firstCaptureMillis)) {
            ended = true;
            LOG.info(
                "camera {}: run limit reached after {} frames, {} s of capture time",
                cameraId,
                stats.frames(),
                (lastCaptureMillis - firstCaptureMillis) / 1000.0);
            break;
          }
        }
      }
      return null;
    } catch (InterruptedException e) {
      if (stopping) {
        Thread.currentThread().interrupt();
        return null;
      }
      // Only stop() interrupts this thread; an interrupt from anywhere else must not end the camera
      // quietly.
      Thread.interrupted();
      failed = true;
      return e;
    } catch (Throwable e) {
      if (stopping) {
        return null;
      }
      failed = true;
      return e;
    } finally {
      FrameFeed current = feed;
      if (current != null) {
        feed = null;
        skippedBefore += current.skippedFrames();
        try {
          current.close();
        } catch (RuntimeException e) {
          reportOnce("feed-close", e);
        }
        if (!failed) {
          // Observers free what they hold for this camera (camera health keeps its baseline).
          tellStatus(current.status(), System.currentTimeMillis());
        }
      }
      CameraAnalytics running = analytics;
      if (running != null) {
        if (!failed && ended && lastCaptureMillis != Long.MIN_VALUE) {
          finishAnalytics(running);
        }
        try {
          running.close();
        } catch (RuntimeException e) {
          reportOnce("analytics-close", e);
        }
        analytics = null;
      }
    }
  }

  /**
   * Waits out the backoff, telling observers about the failed source once a second; false when
   * stopped.
   */
  private boolean waitBeforeRestart(Duration delay) {
    long until = System.nanoTime() + delay.toNanos();
    long nextStatus = System.nanoTime();
    try {
      while (!stopping) {
        long now = System.nanoTime();
        progressNanos = now;
        if (now - nextStatus >= 0) {
          tellStatus(failedStatus, System.currentTimeMillis());
          nextStatus = now + STATUS_INTERVAL_MILLIS * 1_000_000L;
        }
        long left = until - now;
        if (left <= 0) {
          return true;
        }
        Thread.sleep(Math.max(1, Math.min(left, nextStatus - now) / 1_000_000L));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  private void raise(String reason, long count, Duration delay) {
    failureRaised = true;
    alarm(
        true,
        reason,
        Map.of("pipeline_failures", (double) count, "restart_in_s", delay.toMillis() / 1000.0));
  }

  private void clear() {
    failureRaised = false;
    failedStatus = null;
    long count = failures.get();
    LOG.info(
        "camera {}: frames flow again after the restart ({} failures so far)", cameraId, count);
    alarm(
        false,
        "cleared: frames flow again after the restart",
        Map.of("pipeline_failures", (double) count));
  }

  private void alarm(boolean raised, String reason, Map<String, Double> metrics) {
    HealthAlarm alarm =
        new HealthAlarm(
            cameraId,
            CameraState.PIPELINE_FAILED,
            raised,
            reason,
            metrics,
            System.currentTimeMillis(),
            lastStreamMillis);
    for (HealthSink sink : services.healthSinks()) {
      try {
        sink.alarm(alarm);
      } catch (RuntimeException e) {
        reportOnce("health-sink-" + sink.getClass().getName(), e);
      }
    }
  }

  /**
   * The failure with its stack trace for the log, its texts (and its causes') without credentials.
   */
  private Throwable redacted(Throwable failure, int depth) {
    Throwable copy = new Throwable(redact(failure.toString()));
    copy.setStackTrace(failure.getStackTrace());
    if (failure.getCause() != null && failure.getCause() != failure && depth < 8) {
      copy.initCause(redacted(failure.getCause(), depth + 1));
    }
    return copy;
  }

  /** Exception texts may carry a source URI; its credentials stay on the device. */
  private String redact(String text) {
    return SourceUris.redactText(text, spec.uri());
  }

  /** A finite run ended: the incidents still open close and the running count interval goes out. */
  private void finishAnalytics(CameraAnalytics running) {
    try {
      AnalyticsResult last = running.finish(lastCaptureMillis);
      publish(last.events(), last.counts());
    } catch (RuntimeException e) {
      reportOnce("analytics-finish", e);
    }
  }

  private void tellStatus(SourceStatus status, long now) {
    for (FrameObserver observer : services.frameObservers()) {
      try {
        observer.onSourceStatus(cameraId, status, now);
      } catch (RuntimeException e) {
        reportOnce("observer-status-" + observer.getClass().getName(), e);
      }
    }
  }

  private void process(Frame frame) {
    stats.frame(frame.decodeNanos());
    lastCaptureMillis = frame.captureEpochMillis();
    lastStreamMillis = frame.streamMillis();
    if (firstCaptureMillis == Long.MIN_VALUE) {
      firstCaptureMillis = lastCaptureMillis;
    }
    frameRate.frame(System.nanoTime());
    for (FrameObserver observer : services.frameObservers()) {
      try {
        observer.onFrame(frame);
      } catch (RuntimeException e) {
        reportOnce("observer-" + observer.getClass().getName(), e);
      }
    }
    DetectionResult detections;
    List<Event> events = List.of();
    List<CountSummary> counts = List.of();
    CameraAnalytics running = analytics;
    if (running != null) {
      AnalyticsResult result;
      try {
        result = running.process(frame, detector);
      } catch (RuntimeException e) {
        reportOnce("analytics", e);
        return;
      }
      detections = result.detections();
      events = result.events();
      counts = result.counts();
      stats.analytics(result.analyticsNanos());
    } else {
      detections = detectWholeFrame(frame);
    }
    offerLive(frame, running, detections);
    if (detections != null) {
      detectionRate.frame(System.nanoTime());
      stats.detected(detections);
      recentDetectorNanos.add(detections.totalNanos());
      if (printDetections) {
        print(frame, detections);
      }
    }
    publish(events, counts);
  }

  /** Costs one list walk and a volatile read per tap while nobody watches. */
  private void offerLive(Frame frame, CameraAnalytics running, DetectionResult detections) {
    for (LiveTap tap : services.liveTaps()) {
      try {
        if (tap.wants(cameraId)) {
          tap.offer(frame, running != null ? running.liveScene() : sceneOf(detections));
        }
      } catch (RuntimeException e) {
        reportOnce("live-" + tap.getClass().getName(), e);
      }
    }
  }

  /** Without analytics there are no tracks: the detections of this frame, without ids. */
  private static LiveScene sceneOf(DetectionResult detections) {
    if (detections == null) {
      return LiveScene.EMPTY;
    }
    List<LiveScene.LiveObject> objects =
        detections.detections().stream()
            .map(
                d ->
                    new LiveScene.LiveObject(
                        -1,
                        d.label(),
                        d.score(),
                        new LiveScene.Box(d.x1(), d.y1(), d.x2(), d.y2()),
                        true))
            .toList();
    return new LiveScene(objects, List.of(), false, List.of(), false);
  }

  private DetectionResult detectWholeFrame(Frame frame) {
    try {
      DetectionResult result = detector.detect(frame);
      if (detectorProblem != null) {
        LOG.info("camera {}: detector is back: {}", cameraId, result.model());
        detectorProblem = null;
      }
      return result;
    } catch (DetectorUnavailableException e) {
      if (!e.getMessage().equals(detectorProblem)) {
        LOG.error(
            "camera {}: detector unavailable, frames still flow: {}", cameraId, e.getMessage());
        detectorProblem = e.getMessage();
      }
      return null;
    }
  }

  private void publish(List<Event> events, List<CountSummary> counts) {
    if (events.isEmpty() && counts.isEmpty()) {
      return;
    }
    for (EventSink sink : services.eventSinks()) {
      try {
        events.forEach(sink::publish);
        counts.forEach(sink::publish);
      } catch (RuntimeException e) {
        reportOnce("sink-" + sink.getClass().getName(), e);
      }
    }
    stats.published(events.size(), counts.size());
  }

  private void print(Frame frame, DetectionResult result) {
    List<String> parts = new ArrayList<>();
    for (Detection d : result.detections()) {
      parts.add(
          String.format(
              Locale.ROOT,
              "%s %.2f [%.0f,%.0f,%.0f,%.0f]",
              d.label(),
              d.score(),
              d.x1(),
              d.y1(),
              d.x2(),
              d.y2()));
    }
    System.out.printf(
        Locale.ROOT,
        "%s frame %d t=%.1fs: %s%n",
        cameraId,
        frame.sequence(),
        frame.streamMillis() / 1000.0,
        parts.isEmpty() ? "nothing" : String.join(", ", parts));
  }

  private void reportOnce(String key, Throwable e) {
    if (reported.add(key)) {
      LOG.error("camera {}: {} failed; the pipeline goes on (reported once)", cameraId, key, e);
    }
  }

  /** Stops the thread and closes the source; waits for it. */
  void stop() {
    stopping = true;
    FrameFeed current = feed;
    if (current != null) {
      current.close();
    }
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String cameraId() {
    return cameraId;
  }

  PipelineStats stats() {
    return stats;
  }

  boolean ended() {
    return ended;
  }

  long skippedFrames() {
    FrameFeed current = feed;
    return skippedBefore + (current == null ? 0 : current.skippedFrames());
  }

  /** Failed runs since start, each followed by a restart. */
  long failures() {
    return failures.get();
  }

  /**
   * Whether the pipeline thread has not gone round its loop for longer than {@code limitNanos}
   * (stuck in a stage), or died without an orderly end. A camera without signal is not stuck: its
   * loop goes on waiting.
   */
  @Override
  public boolean wedged(long nowNanos, long limitNanos) {
    if (ended || stopping) {
      return false;
    }
    return thread.getState() == Thread.State.TERMINATED || nowNanos - progressNanos > limitNanos;
  }

  /** What the camera does now, for local displays. */
  CameraStatus status() {
    FrameFeed current = feed;
    SourceStatus failed = failedStatus;
    SourceStatus source =
        failed != null
            ? failed
            : current != null
                ? current.status()
                : new SourceStatus(
                    ended ? SourceState.ENDED : SourceState.STARTING,
                    System.currentTimeMillis(),
                    0,
                    "");
    Double inference = PipelineStats.millis(recentDetectorNanos.median());
    return new CameraStatus(
        cameraId,
        source,
        frameRate.perSecond(System.nanoTime()),
        inference == null ? Double.NaN : inference,
        stats.frames(),
        skippedFrames(),
        detectionRate.perSecond(System.nanoTime()));
  }

  Map<String, Object> summary() {
    return RunSummary.of(this, services.summaryContributors());
  }
}
