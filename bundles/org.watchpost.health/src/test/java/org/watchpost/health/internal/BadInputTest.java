// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.SourceState;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.faults.FaultSchedule;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

/**
 * Sources that misbehave, made from real vtest frames: sizes that change, empty frames, clocks that
 * jump back. Each is reported in the camera's telemetry, nothing throws, and no state is raised
 * falsely.
 */
// The cases share nothing (own component, own baseline directory) and drive time themselves (clip
// time or
// the times they pass): two at a time, @Execution on the methods so that the class never overlaps
// another.
class BadInputTest {

  private static final class Run {
    final CameraHealthComponent health =
        new CameraHealthComponent(
            Configs.with(
                CameraHealthConfig.class,
                Map.of(
                    "baseline_dir",
                    SharedData.scratchDirectory("bad-input").toString(),
                    "report_interval_s",
                    10.0)));
    final RecordingSink sink = new RecordingSink();

    Run(UnaryOperator<Frame> spoil) throws Exception {
      health.addSink(sink);
      ClipRun.play(health, "cam", ClipRun.vtest(), FaultSchedule.NONE, Long.MAX_VALUE, spoil);
      health.deactivate();
    }

    Map<String, Object> telemetry() {
      HealthReport report = sink.lastReport("cam");
      return report.metrics();
    }
  }

  private static Frame retimed(Frame frame, long captureMillis, long streamMillis) {
    return new Frame(
        frame.sourceId(),
        frame.sequence(),
        captureMillis,
        streamMillis,
        frame.decodeNanos(),
        frame.width(),
        frame.height(),
        frame.pixels(),
        frame::close);
  }

  private static Frame resized(Frame frame, int width, int height) {
    try (frame) {
      ByteBuffer out = ByteBuffer.allocateDirect(width * height * 3);
      Mat source = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
      Mat target = new Mat(height, width, CvType.CV_8UC3, out);
      Imgproc.resize(source, target, new Size(width, height), 0, 0, Imgproc.INTER_AREA);
      source.release();
      target.release();
      return new Frame(
          frame.sourceId(),
          frame.sequence(),
          frame.captureEpochMillis(),
          frame.streamMillis(),
          frame.decodeNanos(),
          width,
          height,
          out,
          null);
    }
  }

  private static Frame blank(Frame frame, int width, int height) {
    try (frame) {
      return new Frame(
          frame.sourceId(),
          frame.sequence(),
          frame.captureEpochMillis(),
          frame.streamMillis(),
          0,
          width,
          height,
          ByteBuffer.allocateDirect(width * height * 3),
          null);
    }
  }

  private static long number(Map<String, Object> telemetry, String name) {
    return ((Number) telemetry.get(name)).longValue();
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void framesThatChangeSizeEveryFewFramesAreReportedAndRaiseNothing() throws Exception {
    int[][] sizes = {{768, 576}, {640, 480}, {352, 288}};
    Run run =
        new Run(
            frame -> {
              int[] size = sizes[(int) (frame.sequence() / 3 % sizes.length)];
              return size[0] == 768 ? frame : resized(frame, size[0], size[1]);
            });
    assertEquals(List.of(), run.sink.alarms);
    assertTrue(number(run.telemetry(), "size_changes") > 200, run.telemetry().toString());
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void aCameraThatSwitchesResolutionOnceLearnsTheNewSizeAndRaisesNothing() throws Exception {
    Run run = new Run(frame -> frame.streamMillis() < 30_000 ? frame : resized(frame, 640, 480));
    assertEquals(List.of(), run.sink.alarms);
    assertEquals(1, number(run.telemetry(), "size_changes"));
    assertEquals("learned", run.telemetry().get("baseline"));
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void tinyAndEmptyFramesAmongGoodOnesAreCountedAndRaiseNothing() throws Exception {
    Run run =
        new Run(
            frame ->
                frame.sequence() % 7 == 3
                    ? blank(frame, 1, 1)
                    : frame.sequence() % 7 == 5 ? blank(frame, 768, 576) : frame);
    assertEquals(List.of(), run.sink.alarms);
    Map<String, Object> telemetry = run.telemetry();
    assertEquals(795 / 7 + 1, number(telemetry, "bad_frames"), telemetry.toString());
    assertTrue(((String) telemetry.get("last_bad_frame")).contains("1x1 is too small"));
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void aRunOfEmptyFramesIsBlackNotFrozen() throws Exception {
    Run run =
        new Run(
            frame ->
                frame.streamMillis() >= 30_000 && frame.streamMillis() < 45_000
                    ? blank(frame, 768, 576)
                    : frame);
    List<HealthAlarm> alarms = run.sink.alarms;
    assertEquals(
        List.of(CameraState.BLACK, CameraState.BLACK),
        alarms.stream().map(HealthAlarm::state).toList());
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void aStreamTimeThatJumpsBackIsReportedAndRaisesNothing() throws Exception {
    Run run =
        new Run(
            frame -> {
              long stream = frame.streamMillis();
              // Twenty seconds back at 30 s, then ten seconds back every ten seconds after 50 s (a
              // source that restarts
              // its timestamps); the wall clock an hour back from 30 s.
              long back =
                  (stream >= 30_000 ? 20_000 : 0)
                      + (stream >= 50_000 ? (stream - 40_000) / 10_000 * 10_000 : 0);
              return retimed(
                  frame,
                  frame.captureEpochMillis() - (stream >= 30_000 ? 3_600_000 : 0),
                  stream - back);
            });
    assertEquals(List.of(), run.sink.alarms);
    assertEquals(4, number(run.telemetry(), "clock_jumps"), run.telemetry().toString());
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void aWallClockThatJittersBackAndForthEveryFrameIsNotEvenNoticed() throws Exception {
    Run run =
        new Run(
            frame ->
                retimed(
                    frame,
                    frame.captureEpochMillis() + (frame.sequence() % 2 == 0 ? 0 : -150),
                    frame.streamMillis()));
    assertEquals(List.of(), run.sink.alarms);
    // The wall clock only labels frames: health runs on stream time (before issue 12: over 300
    // jumps).
    assertEquals(0, number(run.telemetry(), "clock_jumps"));
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  @Timeout(120)
  void aWallClockSteppedAnHourBackThenForwardIsIgnored() throws Exception {
    Run run =
        new Run(
            frame ->
                retimed(
                    frame,
                    frame.captureEpochMillis()
                        + (frame.streamMillis() < 20_000
                            ? 0
                            : frame.streamMillis() < 40_000 ? -3_600_000 : 3_600_000),
                    frame.streamMillis()));
    assertEquals(List.of(), run.sink.alarms);
    Map<String, Object> telemetry = run.telemetry();
    assertEquals(0, number(telemetry, "clock_jumps"), telemetry.toString());
    assertEquals(0, number(telemetry, "frame_gaps"), telemetry.toString());
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  void aSourceErrorQuotingThePasswordReachesNoAlarmNorReport() {
    CameraHealthComponent health =
        new CameraHealthComponent(
            Configs.with(
                CameraHealthConfig.class,
                Map.of(
                    "baseline_dir",
                    SharedData.scratchDirectory("no-signal-secret").toString(),
                    "report_interval_s",
                    1.0)));
    RecordingSink sink = new RecordingSink();
    health.addSink(sink);
    for (int second = 0; second <= 8; second++) {
      // What ffmpeg prints on a wrong password, as a source that does not redact would pass it on.
      health.onSourceStatus(
          "cam",
          new SourceStatus(
              SourceState.RECONNECTING,
              0,
              0,
              "cannot open rtsp://admin:hunter22@10.0.0.4/live: Server returned 401 Unauthorized"),
          second * 1000L);
    }
    health.deactivate();
    HealthAlarm noSignal =
        sink.alarms.stream()
            .filter(a -> a.state() == CameraState.NO_SIGNAL)
            .findFirst()
            .orElseThrow();
    assertTrue(
        noSignal.reason().contains("rtsp://***@10.0.0.4/live: Server returned 401"),
        noSignal.reason());
    String published = sink.alarms.toString() + sink.reports;
    assertTrue(!published.contains("hunter22") && !published.contains("admin"), published);
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  void noSignalRaisesAfterItsTimeWhenTheWallClockIsSteppedForwardOrBack() {
    for (long step : new long[] {0, 3_600_000, -3_600_000}) {
      CameraHealthComponent health =
          new CameraHealthComponent(
              Configs.with(
                  CameraHealthConfig.class,
                  Map.of(
                      "baseline_dir", SharedData.scratchDirectory("no-signal-step").toString())));
      RecordingSink sink = new RecordingSink();
      health.addSink(sink);
      long t0 = 1_764_000_000_000L;
      int raisedAt = -1;
      for (int second = 0; second <= 20 && raisedAt < 0; second++) {
        long wall = t0 + second * 1000L + (second >= 2 ? step : 0);
        health.onSourceStatus(
            "cam", new SourceStatus(SourceState.RECONNECTING, t0, 0, "connection refused"), wall);
        if (sink.alarms.stream().anyMatch(a -> a.state() == CameraState.NO_SIGNAL && a.raised())) {
          raisedAt = second;
        }
      }
      health.deactivate();
      // no.signal.after.s is 5: raised 5 s after the first report, give or take the one report
      // whose step is
      // bounded (a step forward counts 2 s, a step back nothing); at once, at second 2, before
      // issue 12 when the
      // clock jumped forward.
      assertTrue(
          raisedAt >= 4 && raisedAt <= 6,
          "wall clock stepped by " + step + " ms: NO_SIGNAL at second " + raisedAt);
      System.out.println(
          "health-clock-step: wall clock stepped by "
              + step
              + " ms at second 2: NO_SIGNAL at second "
              + raisedAt);
    }
  }

  @Execution(ExecutionMode.CONCURRENT)
  @Test
  void aFrameWhosePixelsAreGoneIsCountedNotThrown() {
    CameraHealthComponent health =
        new CameraHealthComponent(
            Configs.with(
                CameraHealthConfig.class,
                Map.of(
                    "baseline_dir",
                    SharedData.scratchDirectory("closed").toString(),
                    "report_interval_s",
                    1.0)));
    RecordingSink sink = new RecordingSink();
    health.addSink(sink);
    Frame closed =
        new Frame("cam", 0, 0, 0, 0, 768, 576, ByteBuffer.allocateDirect(768 * 576 * 3), null);
    closed.close();
    health.onFrame(closed);
    health.onSourceStatus("cam", new SourceStatus(SourceState.RUNNING, 0, 0, "test"), 0);
    health.onSourceStatus("cam", new SourceStatus(SourceState.RUNNING, 0, 0, "test"), 1000);
    assertEquals(1L, sink.lastReport("cam").metrics().get("bad_frames"));
    health.deactivate();
  }
}
