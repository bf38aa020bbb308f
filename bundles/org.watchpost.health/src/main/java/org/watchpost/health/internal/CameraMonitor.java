// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.imgproc.Imgproc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.SourceState;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;

/**
 * The health of one camera: its clock, frame rate, baseline and one debounced state per {@link
 * CameraState}. Frames and source status arrive on the camera's pipeline thread; a lock keeps them
 * apart from a close on another thread.
 */
final class CameraMonitor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CameraMonitor.class);
  private static final long NONE = Long.MIN_VALUE;

  /**
   * Phase correlation is the costliest step of an analysis; the view it checks is averaged over
   * seconds anyway, so once a second is enough.
   */
  private static final long VIEW_COMPARISON_MILLIS = 900;

  /**
   * The pipeline reports the source status about once a second with the wall clock; a longer step
   * between two reports is the wall clock being stepped (NTP at boot, an operator), crossed as this
   * much so that it neither raises NO_SIGNAL at once nor holds it back. A pipeline thread late by
   * more than this loses the excess.
   */
  private static final long MAX_TICK_STEP_MILLIS = 2_000;

  /** Where alarms, reports and baselines to keep go. */
  interface Listener {
    void alarm(HealthAlarm alarm);

    void report(HealthReport report);

    void keep(StoredBaseline baseline);
  }

  private final String cameraId;
  private final Supplier<CameraHealthConfig> config;
  private final Listener listener;
  private final Map<CameraState, Debouncer> states = new EnumMap<>(CameraState.class);
  private final Map<CameraState, String> raisedReasons = new EnumMap<>(CameraState.class);
  private final FrameClock clock = new FrameClock();
  private final FrameRateMeter rate = new FrameRateMeter();

  private Optional<StoredBaseline> stored;
  private FrameAnalyzer analyzer;
  private BaselineLearner learner;
  private Baseline baseline;
  private Mat reference;
  private String baselineOrigin = "learning";
  private long savedAt = NONE;
  private boolean baselineChanged;

  private long lastAnalysedAt = NONE;
  private long lastViewComparedAt = NONE;
  private long lastSequence = NONE;
  private long lastCaptureMillis = NONE;
  private long lastStreamMillis;
  private FrameMeasurement lastMeasurement;
  private double lastFps = Double.NaN;

  private long frames;
  private long analysed;
  private long badFrames;
  private long sizeChanges;
  private String lastBadFrame;
  private long analysisNanos;
  private long analysisCount;

  private final FrameClock tickClock = new FrameClock();
  private long framesSinceTick;
  private long lastFrameTick = NONE;
  private long firstTick = NONE;
  private long lastReportTick = NONE;
  private SourceStatus lastStatus;
  private boolean closed;

  CameraMonitor(
      String cameraId,
      Supplier<CameraHealthConfig> config,
      Optional<StoredBaseline> stored,
      Listener listener) {
    this.cameraId = cameraId;
    this.config = config;
    this.stored = stored;
    this.listener = listener;
    for (CameraState state : CameraState.values()) {
      if (state != CameraState.OK) {
        states.put(state, new Debouncer());
      }
    }
    org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
  }

  synchronized void onFrame(Frame frame) {
    if (closed) {
      return;
    }
    CameraHealthConfig c = config.get();
    frames++;
    framesSinceTick++;
    long jumpsBefore = clock.backwardJumps();
    // Stream time, monotonic for a live source and the position in a file: the wall clock only
    // labels alarms.
    boolean discontinuity = clock.advance(frame.streamMillis(), millis(c.no_signal_after_s()));
    if (clock.backwardJumps() > jumpsBefore && Long.bitCount(clock.backwardJumps()) == 1) {
      LOG.warn(
          "camera {}: stream time went back from {} to {} ms ({} jumps so far); frames are compared afresh",
          cameraId,
          lastStreamMillis,
          frame.streamMillis(),
          clock.backwardJumps());
    }
    if (lastSequence != NONE && frame.sequence() <= lastSequence) {
      discontinuity = true;
    }
    if (discontinuity) {
      rate.reset();
      states.get(CameraState.FROZEN).suspend();
      states.get(CameraState.LOW_FPS).suspend();
      if (analyzer != null) {
        analyzer.forgetPrevious();
      }
    }
    lastSequence = frame.sequence();
    lastCaptureMillis = frame.captureEpochMillis();
    lastStreamMillis = frame.streamMillis();
    long now = clock.now();
    rate.add(now, frame.sequence());
    if (!FrameAnalyzer.judgeable(frame.width(), frame.height())) {
      bad(frame, "frame of " + frame.width() + "x" + frame.height() + " is too small to judge");
      return;
    }
    if (analyzer == null || !analyzer.fits(frame)) {
      startSize(frame);
    }
    if (lastAnalysedAt != NONE && now - lastAnalysedAt < 0.9 * 1000 / c.analysis_fps()) {
      return;
    }
    lastAnalysedAt = now;
    FrameMeasurement measurement;
    try {
      boolean compareView =
          lastViewComparedAt == NONE || now - lastViewComparedAt >= VIEW_COMPARISON_MILLIS;
      measurement =
          analyzer.measure(
              frame,
              reference,
              Math.min(1, 1 / (c.analysis_fps() * c.view_average_s())),
              compareView);
      if (compareView) {
        lastViewComparedAt = now;
      }
    } catch (RuntimeException e) {
      analyzer.forgetPrevious();
      bad(frame, "frame could not be analysed: " + e);
      return;
    }
    analysed++;
    analysisNanos += measurement.analysisNanos();
    analysisCount++;
    lastMeasurement = measurement;
    lastFps = rate.fps(millis(c.fps_window_s()));
    judge(measurement, now, frame.captureEpochMillis(), frame.streamMillis(), c);
  }

  private void bad(Frame frame, String reason) {
    badFrames++;
    lastBadFrame = reason;
    if (Long.bitCount(badFrames) == 1) {
      LOG.warn("camera {}: {} ({} bad frames so far); it is skipped", cameraId, reason, badFrames);
    }
  }

  private void startSize(Frame frame) {
    if (analyzer != null) {
      sizeChanges++;
      if (Long.bitCount(sizeChanges) == 1) {
        LOG.warn(
            "camera {}: frame size changed from {}x{} to {}x{} ({} changes); the baseline starts again for the new size",
            cameraId,
            analyzer.width(),
            analyzer.height(),
            frame.width(),
            frame.height(),
            sizeChanges);
      }
      keepBaseline();
      analyzer.close();
    }
    dropBaseline();
    analyzer = new FrameAnalyzer(frame.width(), frame.height());
    lastAnalysedAt = NONE;
    if (stored.isPresent()
        && stored.get().baseline().frameWidth() == frame.width()
        && stored.get().baseline().frameHeight() == frame.height()
        && stored.get().referenceWidth() == (int) analyzer.coarseSize().width
        && stored.get().referenceHeight() == (int) analyzer.coarseSize().height) {
      StoredBaseline known = stored.get();
      baseline = known.baseline();
      reference = new Mat(known.referenceHeight(), known.referenceWidth(), CvType.CV_8UC1);
      reference.put(0, 0, known.reference());
      reference.convertTo(reference, CvType.CV_32F);
      baselineOrigin = "stored";
      LOG.info("camera {}: using the stored {}", cameraId, baseline);
    } else {
      learner = new BaselineLearner(frame.width(), frame.height(), analyzer.coarseSize());
      baselineOrigin = "learning";
    }
  }

  private void dropBaseline() {
    if (learner != null) {
      learner.close();
      learner = null;
    }
    if (reference != null) {
      reference.release();
      reference = null;
    }
    baseline = null;
  }

  private void judge(
      FrameMeasurement m, long now, long captureMillis, long streamMillis, CameraHealthConfig c) {
    Map<CameraState, Verdict> verdicts =
        CameraJudge.judgeImage(m, baseline, c, s -> states.get(s).raised());
    for (CameraState state : CameraJudge.IMAGE_STATES) {
      Verdict verdict = verdicts.get(state);
      Debouncer debouncer = states.get(state);
      if (verdict == null) {
        debouncer.suspend();
        continue;
      }
      long raiseAfter =
          state == CameraState.FROZEN ? millis(c.frozen_after_s()) : millis(c.raise_after_s());
      apply(
          verdict,
          debouncer.update(verdict.holds(), now, raiseAfter, millis(c.clear_after_s())),
          captureMillis,
          streamMillis);
    }
    Verdict slow =
        CameraJudge.lowFps(lastFps, baseline, c, states.get(CameraState.LOW_FPS).raised());
    if (slow == null) {
      states.get(CameraState.LOW_FPS).suspend();
    } else {
      apply(
          slow,
          states
              .get(CameraState.LOW_FPS)
              .update(slow.holds(), now, millis(c.raise_after_s()), millis(c.clear_after_s())),
          captureMillis,
          streamMillis);
    }
    learnOrAdapt(m, now, captureMillis, verdicts, c);
  }

  private void learnOrAdapt(
      FrameMeasurement m,
      long now,
      long captureMillis,
      Map<CameraState, Verdict> verdicts,
      CameraHealthConfig c) {
    if (baseline == null) {
      boolean usable = verdicts.values().stream().noneMatch(Verdict::holds);
      if (usable) {
        learner.add(m, analyzer.structure(), lastFps, now);
      }
      if (learner.ready(now, millis(c.baseline_learn_s()))) {
        baseline = learner.baseline(captureMillis);
        reference = learner.reference();
        learner.close();
        learner = null;
        baselineOrigin = "learned";
        LOG.info("camera {}: learned {}", cameraId, baseline);
        keepBaseline();
      }
      return;
    }
    if (!quiet()) {
      return;
    }
    double step = 1000.0 / c.analysis_fps();
    baseline =
        baseline.adaptedTowards(m, lastFps, Math.min(1, step / (1000 * c.baseline_adapt_s())));
    Imgproc.accumulateWeighted(
        analyzer.structure(), reference, Math.min(1, step / (1000 * c.reference_adapt_s())));
    baselineChanged = true;
    if (savedAt == NONE || now - savedAt >= millis(c.baseline_save_s())) {
      keepBaseline();
    }
  }

  private boolean quiet() {
    return states.values().stream().noneMatch(d -> d.raised() || d.pending());
  }

  /**
   * Hands the current baseline over to be written, and keeps it for a return to this frame size.
   */
  private void keepBaseline() {
    if (baseline == null || reference == null) {
      return;
    }
    // Phase correlation ignores scale, so the reference is kept as 8 bits scaled to its own
    // maximum.
    double peak = org.opencv.core.Core.minMaxLoc(reference).maxVal;
    Mat grey = new Mat();
    reference.convertTo(grey, CvType.CV_8U, peak > 0 ? 255 / peak : 1);
    byte[] bytes = new byte[(int) grey.total()];
    grey.get(0, 0, bytes);
    StoredBaseline snapshot =
        new StoredBaseline(cameraId, baseline, grey.cols(), grey.rows(), bytes);
    grey.release();
    stored = Optional.of(snapshot);
    savedAt = clock.now();
    baselineChanged = false;
    listener.keep(snapshot);
  }

  private void apply(Verdict verdict, Debouncer.Change change, long timeMillis, long streamMillis) {
    if (change == Debouncer.Change.NONE) {
      return;
    }
    boolean raised = change == Debouncer.Change.RAISED;
    CameraState state = verdict.state();
    String reason;
    if (raised) {
      reason = verdict.reason();
      raisedReasons.put(state, reason);
      LOG.warn("camera {} {}: {}", cameraId, state, reason);
    } else {
      reason = "cleared: " + verdict.reason();
      raisedReasons.remove(state);
      LOG.info("camera {} {} {}", cameraId, state, reason);
    }
    listener.alarm(
        new HealthAlarm(
            cameraId, state, raised, reason, verdict.metrics(), timeMillis, streamMillis));
  }

  synchronized void onSourceStatus(SourceStatus status, long nowMillis) {
    if (closed) {
      return;
    }
    CameraHealthConfig c = config.get();
    tickClock.advance(nowMillis, MAX_TICK_STEP_MILLIS);
    long tick = tickClock.now();
    if (firstTick == NONE) {
      firstTick = tick;
      lastReportTick = tick;
    }
    if (framesSinceTick > 0) {
      lastFrameTick = tick;
      framesSinceTick = 0;
    }
    lastStatus = status;
    Verdict verdict = noSignal(status, tick, c);
    Debouncer debouncer = states.get(CameraState.NO_SIGNAL);
    if (verdict == null) {
      debouncer.suspend();
    } else {
      // The last frame's stream time plus the status clock's time since: nowMillis is the wall
      // clock.
      long streamEstimate =
          lastCaptureMillis == NONE
              ? 0
              : lastStreamMillis
                  + Math.max(0, tick - (lastFrameTick == NONE ? tick : lastFrameTick));
      apply(
          verdict,
          debouncer.update(
              verdict.holds(), tick, millis(c.no_signal_after_s()), millis(c.clear_after_s())),
          nowMillis,
          streamEstimate);
    }
    if (tick - lastReportTick >= millis(c.report_interval_s())) {
      lastReportTick = tick;
      listener.report(new HealthReport(cameraId, nowMillis, telemetry()));
    }
  }

  private Verdict noSignal(SourceStatus status, long tick, CameraHealthConfig c) {
    SourceState state = status.state();
    if (state == SourceState.ENDED || state == SourceState.CLOSED) {
      return null;
    }
    if (state == SourceState.STARTING || state == SourceState.RECONNECTING) {
      return new Verdict(
          CameraState.NO_SIGNAL,
          true,
          "the source is "
              + state.name().toLowerCase(java.util.Locale.ROOT)
              + ": "
              + status.detail(),
          CameraJudge.metrics("reconnects", status.reconnects()));
    }
    long since = lastFrameTick == NONE ? firstTick : lastFrameTick;
    double silentSeconds = (tick - since) / 1000.0;
    boolean holds = tick - since >= millis(c.no_signal_after_s());
    return new Verdict(
        CameraState.NO_SIGNAL,
        holds,
        String.format(
            java.util.Locale.ROOT,
            "the source is running and the last frame came %.0f s ago",
            silentSeconds),
        CameraJudge.metrics(
            "seconds_without_frames", silentSeconds, "reconnects", status.reconnects()));
  }

  /** The camera's state for telemetry: the raised state of highest precedence, or OK. */
  synchronized CameraState state() {
    for (CameraState state :
        new CameraState[] {
          CameraState.NO_SIGNAL,
          CameraState.BLACK,
          CameraState.OVEREXPOSED,
          CameraState.FROZEN,
          CameraState.OBSTRUCTED,
          CameraState.BLURRED,
          CameraState.MOVED,
          CameraState.LOW_FPS
        }) {
      if (states.get(state).raised()) {
        return state;
      }
    }
    return CameraState.OK;
  }

  synchronized Map<String, Object> telemetry() {
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("state", state().name());
    List<String> raised = new ArrayList<>();
    states.forEach(
        (state, debouncer) -> {
          if (debouncer.raised()) {
            raised.add(state.name());
          }
        });
    metrics.put("raised_states", String.join(",", raised));
    raisedReasons.forEach(
        (state, reason) ->
            metrics.put("reason_" + state.name().toLowerCase(java.util.Locale.ROOT), reason));
    if (lastStatus != null) {
      metrics.put("source_state", lastStatus.state().name());
      metrics.put("reconnects", lastStatus.reconnects());
    }
    metrics.put("baseline", baselineOrigin);
    metrics.put("frames", frames);
    metrics.put("analysed_frames", analysed);
    metrics.put("bad_frames", badFrames);
    if (lastBadFrame != null) {
      metrics.put("last_bad_frame", lastBadFrame);
    }
    metrics.put("size_changes", sizeChanges);
    metrics.put("clock_jumps", clock.backwardJumps());
    metrics.put("frame_gaps", clock.gaps());
    if (!Double.isNaN(lastFps)) {
      metrics.put("fps", round(lastFps));
    }
    if (analysisCount > 0) {
      metrics.put("analysis_ms", round(analysisNanos / 1e6 / analysisCount));
      analysisNanos = 0;
      analysisCount = 0;
    }
    FrameMeasurement m = lastMeasurement;
    if (m != null) {
      metrics.put("mean_luma", round(m.meanLuma()));
      metrics.put("saturated_share", round(m.saturatedShare()));
      metrics.put("sharpness", round(m.sharpness()));
      if (baseline != null && baseline.sharpness() > 0) {
        metrics.put("sharpness_ratio", round(m.sharpness() / baseline.sharpness()));
      }
      if (!Double.isNaN(m.difference())) {
        metrics.put("frame_difference", round(m.difference()));
      }
      if (!Double.isNaN(m.match())) {
        metrics.put("view_shift_percent", round(m.shiftPercent()));
        metrics.put("view_match", round(m.match()));
      }
    }
    return metrics;
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }

  private static long millis(double seconds) {
    return Math.round(seconds * 1000);
  }

  /** Keeps the baseline if it changed since it was last kept, and frees native memory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    if (baselineChanged) {
      keepBaseline();
    }
    closed = true;
    dropBaseline();
    if (analyzer != null) {
      analyzer.close();
      analyzer = null;
    }
  }
}
