// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.watchpost.pipeline.internal.PipelineRig.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.api.pipeline.FrameObserver;

/**
 * systemd's notify protocol against a real unix datagram socket (bound by Python, as systemd would)
 * and real pipelines on vtest: READY=1, then WATCHDOG=1 while both cameras go round their loops,
 * none once one is stuck in a stage, and again when it moves.
 */
class SystemdWatchdogTest {

  @Test
  void readyThenWatchdogPingsWhileEveryCameraMovesAndNoneWhileOneIsStuck() throws Exception {
    String socket = "@watchpost-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    Process receiver =
        new ProcessBuilder(
                "/usr/bin/python3",
                Path.of("src/test/resources/notify-receiver.py").toAbsolutePath().toString(),
                socket)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    List<String> messages = new CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(receiver.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  messages.add(line);
                }
              } catch (java.io.IOException e) {
                // the receiver ended
              }
            },
            "notify-receiver");
    reader.setDaemon(true);
    reader.start();
    await(
        () -> messages.contains("bound"), Duration.ofSeconds(10), "the receiver bound its socket");

    PipelineRig rig = new PipelineRig();
    Stuck stuck = new Stuck("cam-b");
    rig.observers.add(stuck);
    CameraPipeline a =
        rig.pipeline("cam-a", PipelineRig.detector(), Supervision.DEFAULT, CameraPipeline.HALT);
    CameraPipeline b =
        rig.pipeline("cam-b", PipelineRig.detector(), Supervision.DEFAULT, CameraPipeline.HALT);
    a.start();
    b.start();
    WatchdogFeeder feeder =
        WatchdogFeeder.start(
            Map.of("NOTIFY_SOCKET", socket, "WATCHDOG_USEC", "400000"),
            "systemd-notify",
            Duration.ofSeconds(2),
            () -> List.of(a, b),
            () -> true);
    assertNotNull(feeder);
    try {
      await(
          () -> count(messages, "WATCHDOG=1") >= 3,
          Duration.ofSeconds(20),
          "pings while both move: " + messages);
      assertTrue(
          messages.indexOf("READY=1|STATUS=running") > 0
              && messages.indexOf("READY=1|STATUS=running") < messages.indexOf("WATCHDOG=1"),
          "READY=1 first: " + messages);

      stuck.latch = new CountDownLatch(1);
      await(() -> stuck.blockedAtNanos != 0, Duration.ofSeconds(10), "cam-b stuck in a stage");
      String stuckStatus = "STATUS=camera pipeline stuck: cam-b";
      await(
          () -> messages.contains(stuckStatus),
          Duration.ofSeconds(10),
          "the stuck camera seen: " + messages);
      long noticedNanos = System.nanoTime();
      int pings = count(messages, "WATCHDOG=1");
      await(() -> count(messages, stuckStatus) >= 4, Duration.ofSeconds(10), "four more ticks");
      assertEquals(
          pings, count(messages, "WATCHDOG=1"), "no ping while cam-b is stuck: " + messages);
      System.out.printf(
          "systemd watchdog: pings stopped %.1f s after cam-b got stuck (limit 2 s), none in the %.1f s after%n",
          (noticedNanos - stuck.blockedAtNanos) / 1e9, (System.nanoTime() - noticedNanos) / 1e9);

      stuck.latch.countDown();
      await(
          () -> count(messages, "WATCHDOG=1") > pings,
          Duration.ofSeconds(10),
          "pings again once cam-b moves");
    } finally {
      if (stuck.latch != null) {
        stuck.latch.countDown();
      }
      feeder.close();
      a.stop();
      b.stop();
    }
    await(
        () -> messages.contains("STOPPING=1"),
        Duration.ofSeconds(10),
        "STOPPING=1 at the end: " + messages);
    receiver.getOutputStream().close();
    receiver.destroy();
  }

  private static int count(List<String> messages, String message) {
    return (int) messages.stream().filter(message::equals).count();
  }

  /**
   * Blocks one camera's pipeline in onFrame while its latch is set and closed: a stage that hangs.
   */
  static final class Stuck implements FrameObserver {
    private final String cameraId;
    volatile CountDownLatch latch;
    volatile long blockedAtNanos;

    Stuck(String cameraId) {
      this.cameraId = cameraId;
    }

    @Override
    public void onFrame(Frame frame) {
      CountDownLatch l = latch;
      if (l != null && frame.sourceId().equals(cameraId) && l.getCount() > 0) {
        blockedAtNanos = System.nanoTime();
        try {
          l.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    @Override
    public void onSourceStatus(String cameraId, SourceStatus status, long nowMillis) {}
  }
}
