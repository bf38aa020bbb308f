// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.detect.DetectorStatus;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.Region;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.frame.FeedMode;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.pipeline.CameraAnalytics;
import org.watchpost.api.pipeline.FrameObserver;
import org.watchpost.api.pipeline.SummaryContributor;
import org.watchpost.capture.internal.CaptureComponent;
import org.watchpost.capture.internal.CaptureConfig;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.inference.internal.DetectorComponent;
import org.watchpost.inference.internal.InferenceConfig;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * Real capture on the real clip and the real detector, for pipelines a test starts outside OSGi.
 */
final class PipelineRig implements PipelineServices {
  private static DetectorComponent detector;
  private static CaptureComponent capture;

  final List<FrameObserver> observers = new CopyOnWriteArrayList<>();
  final List<org.watchpost.api.pipeline.LiveTap> taps = new CopyOnWriteArrayList<>();
  final RecordingHealthSink health = new RecordingHealthSink();

  static synchronized Detector detector() {
    if (detector == null) {
      detector =
          new DetectorComponent(
              Configs.with(
                  InferenceConfig.class,
                  Map.of("model_manifest", TestModels.yoloxNanoManifest().toString())));
    }
    return detector;
  }

  static synchronized CaptureComponent capture() {
    if (capture == null) {
      capture = new CaptureComponent(Configs.defaults(CaptureConfig.class));
    }
    return capture;
  }

  /**
   * vtest, looped, as fast as it decodes, every frame through the given detector and no analytics.
   */
  CameraPipeline pipeline(
      String cameraId,
      Detector detector,
      Supervision supervision,
      BiConsumer<String, VirtualMachineError> fatal) {
    return pipeline(cameraId, detector, null, supervision, fatal);
  }

  /** The same with analytics made by {@code analytics} at the start of every run. */
  CameraPipeline pipeline(
      String cameraId,
      Detector detector,
      java.util.function.Supplier<CameraAnalytics> analytics,
      Supervision supervision,
      BiConsumer<String, VirtualMachineError> fatal) {
    SourceSpec spec = new SourceSpec(cameraId, SharedData.vtestMjpeg().toString(), true, false);
    return new CameraPipeline(
        cameraId,
        spec,
        FaultSchedule.NONE,
        FeedMode.EVERY_FRAME,
        new RunLimit(0, 0),
        false,
        capture(),
        detector,
        analytics,
        this,
        p -> {},
        supervision,
        fatal);
  }

  @Override
  public List<EventSink> eventSinks() {
    return List.of();
  }

  @Override
  public List<FrameObserver> frameObservers() {
    return observers;
  }

  @Override
  public List<org.watchpost.api.pipeline.LiveTap> liveTaps() {
    return taps;
  }

  @Override
  public List<SummaryContributor> summaryContributors() {
    return List.of();
  }

  @Override
  public List<HealthSink> healthSinks() {
    return List.of(health);
  }

  static void await(BooleanSupplier condition, Duration timeout, String what) {
    long until = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  static final class RecordingHealthSink implements HealthSink {
    final List<HealthAlarm> alarms = new CopyOnWriteArrayList<>();

    @Override
    public void alarm(HealthAlarm alarm) {
      alarms.add(alarm);
    }

    @Override
    public void report(HealthReport report) {}

    List<HealthAlarm> of(org.watchpost.api.health.CameraState state) {
      return alarms.stream().filter(a -> a.state() == state).toList();
    }
  }

  /** The real detector, with a fault injected on one call; counts its calls. */
  static final class FaultyDetector implements Detector {
    private final Detector real;
    private final int failOnCall;
    private final RuntimeException fault;
    volatile int calls;

    FaultyDetector(Detector real, int failOnCall, RuntimeException fault) {
      this.real = real;
      this.failOnCall = failOnCall;
      this.fault = fault;
    }

    @Override
    public DetectionResult detect(Frame frame) throws DetectorUnavailableException {
      if (++calls == failOnCall) {
        throw fault;
      }
      return real.detect(frame);
    }

    @Override
    public DetectionResult detect(Frame frame, Region region) throws DetectorUnavailableException {
      return real.detect(frame, region);
    }

    @Override
    public DetectorStatus status() {
      return real.status();
    }
  }

  /**
   * Counts frames; throws the given error when it sees frame number {@code failAt} (1-based, over
   * all runs).
   */
  static final class FaultyObserver implements FrameObserver {
    private final long failAt;
    private final Throwable fault;
    volatile long frames;
    volatile long failedAtNanos;

    FaultyObserver(long failAt, Throwable fault) {
      this.failAt = failAt;
      this.fault = fault;
    }

    @Override
    public void onFrame(Frame frame) {
      if (++frames == failAt) {
        failedAtNanos = System.nanoTime();
        sneakyThrow(fault);
      }
    }

    @Override
    public void onSourceStatus(
        String cameraId, org.watchpost.api.frame.SourceStatus status, long nowMillis) {}

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
      throw (T) t;
    }
  }
}
