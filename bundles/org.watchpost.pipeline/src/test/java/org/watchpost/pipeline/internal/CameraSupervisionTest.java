// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.watchpost.pipeline.internal.PipelineRig.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.watchpost.api.health.CameraState;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.health.internal.CameraHealthComponent;
import org.watchpost.health.internal.CameraHealthConfig;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

/**
 * A camera whose pipeline throws is restarted with backoff and says so upstream, on the real clip,
 * the real capture, the real detector and the real camera health; only the faults are injected.
 */
class CameraSupervisionTest {

  @Test
  void
      aStageThatFailsRestartsTheCameraWithBackoffRaisesPipelineFailedAndNoSignalAndClearsThemWhenFramesFlow() {
    PipelineRig rig = new PipelineRig();
    CameraHealthComponent health =
        new CameraHealthComponent(
            Configs.with(
                CameraHealthConfig.class,
                Map.of(
                    "no_signal_after_s",
                    1.0,
                    "clear_after_s",
                    1.0,
                    "baseline_dir",
                    SharedData.scratchDirectory("supervision").toString())));
    bind(health, "addSink", org.watchpost.api.health.HealthSink.class, rig.health);
    // First an Error in an observer (caught nowhere before), then an exception from the detector
    // whose text
    // carries a camera URI with its password.
    PipelineRig.FaultyObserver observer =
        new PipelineRig.FaultyObserver(20, new NoClassDefFoundError("injected: a stage's class"));
    PipelineRig.FaultyDetector detector =
        new PipelineRig.FaultyDetector(
            PipelineRig.detector(),
            45,
            new IllegalStateException(
                "injected detector fault reading rtsp://admin:secret@10.0.0.9/stream"));
    rig.observers.add(health);
    rig.observers.add(observer);
    AtomicReference<VirtualMachineError> fatal = new AtomicReference<>();
    CameraPipeline pipeline =
        rig.pipeline(
            "cam1",
            detector,
            new Supervision(Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofMinutes(5)),
            (id, e) -> fatal.set(e));
    long started = System.nanoTime();
    pipeline.start();
    try {
      await(
          () ->
              rig.health.of(CameraState.PIPELINE_FAILED).stream().filter(a -> !a.raised()).count()
                  == 2,
          Duration.ofSeconds(90),
          "PIPELINE_FAILED raised and cleared twice: " + rig.health.alarms);
      long framesAfterSecondRestart = observer.frames;
      await(
          () -> observer.frames >= framesAfterSecondRestart + 20,
          Duration.ofSeconds(30),
          "frames go on after the restarts");
      await(
          () -> rig.health.of(CameraState.NO_SIGNAL).stream().anyMatch(a -> !a.raised()),
          Duration.ofSeconds(30),
          "NO_SIGNAL cleared once frames flow: " + rig.health.alarms);

      List<HealthAlarm> failed = rig.health.of(CameraState.PIPELINE_FAILED);
      assertEquals(
          List.of(true, false, true, false),
          failed.stream().map(HealthAlarm::raised).toList(),
          failed.toString());
      HealthAlarm first = failed.get(0);
      HealthAlarm second = failed.get(2);
      assertTrue(first.reason().contains("NoClassDefFoundError"), first.reason());
      assertTrue(
          second.reason().contains("IllegalStateException") && second.reason().contains("10.0.0.9"),
          second.reason());
      assertFalse(
          second.reason().contains("secret") || second.reason().contains("admin"),
          "no credentials: " + second.reason());
      assertEquals(1.0, first.metrics().get("pipeline_failures"));
      assertEquals(2.0, second.metrics().get("pipeline_failures"));
      assertTrue(
          second.metrics().get("restart_in_s") > first.metrics().get("restart_in_s"),
          "the second restart waits longer: " + failed);
      assertEquals(2, pipeline.failures());

      // While the pipeline was down, camera health saw a reconnecting source, not a closed one, and
      // said NO_SIGNAL.
      HealthAlarm noSignal = rig.health.of(CameraState.NO_SIGNAL).get(0);
      assertTrue(
          noSignal.raised() && noSignal.reason().contains("pipeline failed"), noSignal.toString());
      assertFalse(noSignal.reason().contains("secret"), noSignal.reason());
      assertEquals(null, fatal.get());
      assertFalse(pipeline.wedged(System.nanoTime(), Duration.ofSeconds(5).toNanos()));

      long downFirst = failed.get(1).timeMillis() - first.timeMillis();
      long downSecond = failed.get(3).timeMillis() - second.timeMillis();
      System.out.printf(
          "supervision: error in an observer: frames again after %d ms; exception in the detector: frames again"
              + " after %d ms; lost: the frame in hand at each failure; %d frames seen in %.1f s%n",
          downFirst, downSecond, observer.frames, (System.nanoTime() - started) / 1e9);
    } finally {
      pipeline.stop();
    }
  }

  /** DS binds sinks through a package-private method; so does the test. */
  static void bind(Object component, String method, Class<?> type, Object service) {
    try {
      var m = component.getClass().getDeclaredMethod(method, type);
      m.setAccessible(true);
      m.invoke(component, service);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A camera that keeps failing before any frame goes through: one alarm for the episode, every
   * failure counted.
   */
  @Test
  void aCameraThatKeepsFailingRaisesOneAlarmCountsEveryFailureAndClearsWhenItRecovers() {
    PipelineRig rig = new PipelineRig();
    PipelineRig.FaultyObserver frames = new PipelineRig.FaultyObserver(Long.MAX_VALUE, null);
    rig.observers.add(frames);
    int[] attempts = {0};
    // The analytics cannot be made for the first four runs (a broken rule set, a missing class),
    // then it can.
    CameraPipeline pipeline =
        rig.pipeline(
            "cam3",
            PipelineRig.detector(),
            () -> {
              if (++attempts[0] <= 4) {
                throw new IllegalStateException(
                    "injected: analytics cannot start, attempt " + attempts[0]);
              }
              return null;
            },
            new Supervision(Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofMinutes(5)),
            (id, e) -> {});
    pipeline.start();
    try {
      await(() -> frames.frames >= 5, Duration.ofSeconds(30), "frames once the analytics starts");
      await(
          () -> rig.health.of(CameraState.PIPELINE_FAILED).size() == 2,
          Duration.ofSeconds(10),
          "cleared");
      List<HealthAlarm> failed = rig.health.of(CameraState.PIPELINE_FAILED);
      assertEquals(
          List.of(true, false),
          failed.stream().map(HealthAlarm::raised).toList(),
          "one episode, one alarm: " + failed);
      assertEquals(4, pipeline.failures(), "every failure counted");
      assertEquals(4.0, failed.get(1).metrics().get("pipeline_failures"));
    } finally {
      pipeline.stop();
    }
  }

  @Test
  void aVirtualMachineErrorIsNotRestartedButEndsTheProcess() {
    PipelineRig rig = new PipelineRig();
    rig.observers.add(new PipelineRig.FaultyObserver(5, new InternalError("injected")));
    AtomicReference<VirtualMachineError> fatal = new AtomicReference<>();
    CameraPipeline pipeline =
        rig.pipeline("cam2", PipelineRig.detector(), Supervision.DEFAULT, (id, e) -> fatal.set(e));
    pipeline.start();
    try {
      await(() -> fatal.get() != null, Duration.ofSeconds(30), "the fatal handler called");
      assertInstanceOf(InternalError.class, fatal.get());
      await(
          () -> pipeline.wedged(System.nanoTime(), Long.MAX_VALUE),
          Duration.ofSeconds(10),
          "the dead pipeline counts as wedged for the watchdog");
      assertEquals(0, pipeline.failures(), "not restarted");
      assertTrue(rig.health.of(CameraState.PIPELINE_FAILED).isEmpty());
    } finally {
      pipeline.stop();
    }
  }
}
