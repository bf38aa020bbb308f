package org.watchpost.pipeline.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
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
import org.watchpost.api.pipeline.AnalyticsResult;
import org.watchpost.api.pipeline.CameraAnalytics;
import org.watchpost.api.pipeline.CameraStatus;
import org.watchpost.api.pipeline.FrameObserver;
import org.watchpost.faults.FaultInjectingFrameSource;
import org.watchpost.faults.FaultSchedule;

/**
 * One camera: takes frames from its feed on its own thread, lets every frame observer see them, runs
 * analytics (or, without analytics, the detector on every frame), and hands events to the sinks.
 */
final class CameraPipeline {
  private static final Logger LOG = LoggerFactory.getLogger(CameraPipeline.class);
  /** How often observers hear the source's status, also while no frames come. */
  private static final long STATUS_INTERVAL_MILLIS = 1_000;
  private static final Duration TAKE_TIMEOUT = Duration.ofMillis(250);

  private final String cameraId;
  private final SourceSpec spec;
  private final FaultSchedule faults;
  private final FeedMode mode;
  private final RunLimit limit;
  private final boolean printDetections;
  private final CaptureService capture;
  private final Detector detector;
  private final CameraAnalytics analytics;
  private final PipelineServices services;
  private final Consumer<CameraPipeline> onFinished;
  private final PipelineStats stats = new PipelineStats();
  /** The detector's recent cost, for device health: a minute at 10 fps. */
  private final Samples recentDetectorNanos = new Samples(600);
  /** Frames taken per second: up to 64 frames within 3 s. */
  private final FrameRate frameRate = new FrameRate(64, 3_000_000_000L);
  /** Failures already logged, so that a broken stage is reported once, not per frame. */
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private final Thread thread;
  private volatile FrameFeed feed;
  private volatile boolean stopping;
  private volatile boolean ended;
  private volatile String detectorProblem;
  private long lastCaptureMillis = Long.MIN_VALUE;
  private long firstCaptureMillis = Long.MIN_VALUE;

  CameraPipeline(String cameraId, SourceSpec spec, FaultSchedule faults, FeedMode mode, RunLimit limit,
      boolean printDetections, CaptureService capture, Detector detector, CameraAnalytics analytics, PipelineServices services,
      Consumer<CameraPipeline> onFinished) {
    this.cameraId = cameraId;
    this.spec = spec;
    this.faults = faults;
    this.mode = mode;
    this.limit = limit;
    this.printDetections = printDetections;
    this.capture = capture;
    this.detector = detector;
    this.analytics = analytics;
    this.services = services;
    this.onFinished = onFinished;
    this.thread = new Thread(this::run, "pipeline-" + cameraId);
  }

  void start() {
    thread.start();
  }

  private void run() {
    long lastStatus = 0;
    try {
      FrameSource source = capture.open(spec);
      if (!faults.faults().isEmpty()) {
        LOG.warn("camera {}: injecting faults {} (test or simulation configuration)", cameraId, faults);
        source = new FaultInjectingFrameSource(source, faults);
      }
      feed = capture.feed(source, mode);
      while (!stopping) {
        Frame frame;
        try {
          frame = feed.take(TAKE_TIMEOUT);
        } catch (EndOfStreamException e) {
          ended = true;
          LOG.info("camera {}: {}", cameraId, e.getMessage());
          break;
        }
        long now = System.currentTimeMillis();
        if (now - lastStatus >= STATUS_INTERVAL_MILLIS) {
          lastStatus = now;
          tellStatus(feed.status(), now);
        }
        if (frame != null) {
          try (frame) {
            process(frame);
          }
          if (limit.reached(stats.frames(), lastCaptureMillis - firstCaptureMillis)) {
            ended = true;
            LOG.info("camera {}: run limit reached after {} frames, {} s of capture time", cameraId, stats.frames(),
                (lastCaptureMillis - firstCaptureMillis) / 1000.0);
            break;
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.error("camera {}: pipeline stopped by an unexpected error", cameraId, e);
    } finally {
      FrameFeed current = feed;
      if (current != null) {
        current.close();
        // Observers free what they hold for this camera (camera health keeps its baseline).
        tellStatus(current.status(), System.currentTimeMillis());
      }
      if (analytics != null) {
        if (ended && lastCaptureMillis != Long.MIN_VALUE) {
          finishAnalytics();
        }
        analytics.close();
      }
      if (!stopping) {
        onFinished.accept(this);
      }
    }
  }

  /** A finite run ended: the incidents still open close and the running count interval goes out. */
  private void finishAnalytics() {
    try {
      AnalyticsResult last = analytics.finish(lastCaptureMillis);
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
    if (analytics != null) {
      AnalyticsResult result;
      try {
        result = analytics.process(frame, detector);
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
    if (detections != null) {
      stats.detected(detections);
      recentDetectorNanos.add(detections.totalNanos());
      if (printDetections) {
        print(frame, detections);
      }
    }
    publish(events, counts);
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
        LOG.error("camera {}: detector unavailable, frames still flow: {}", cameraId, e.getMessage());
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
      parts.add(String.format(Locale.ROOT, "%s %.2f [%.0f,%.0f,%.0f,%.0f]", d.label(), d.score(), d.x1(), d.y1(), d.x2(), d.y2()));
    }
    System.out.printf(Locale.ROOT, "%s frame %d t=%.1fs: %s%n", cameraId, frame.sequence(), frame.streamMillis() / 1000.0,
        parts.isEmpty() ? "nothing" : String.join(", ", parts));
  }

  private void reportOnce(String key, RuntimeException e) {
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

  String cameraId() {
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
    return current == null ? 0 : current.skippedFrames();
  }

  /** What the camera does now, for local displays. */
  CameraStatus status() {
    FrameFeed current = feed;
    SourceStatus source = current != null ? current.status()
        : new SourceStatus(ended ? SourceState.ENDED : SourceState.STARTING, System.currentTimeMillis(), 0, "");
    Double inference = PipelineStats.millis(recentDetectorNanos.median());
    return new CameraStatus(cameraId, source, frameRate.perSecond(System.nanoTime()),
        inference == null ? Double.NaN : inference, stats.frames(), skippedFrames());
  }

  Map<String, Object> summary() {
    return RunSummary.of(this, services.summaryContributors());
  }
}
