// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.api.pipeline.FrameObserver;
import org.watchpost.api.pipeline.LiveScene;
import org.watchpost.api.pipeline.LiveTap;

/**
 * The installer's live view: the pipeline offers a frame only when the tap asks for it, and the
 * frame is open then.
 */
class LiveTapTest {

  @Test
  void nothingIsOfferedWhileNobodyWatchesAndAnOpenFrameWithItsSceneWhenSomeoneDoes()
      throws Exception {
    PipelineRig rig = new PipelineRig();
    AtomicInteger frames = new AtomicInteger();
    AtomicInteger asked = new AtomicInteger();
    AtomicInteger offered = new AtomicInteger();
    AtomicBoolean watching = new AtomicBoolean();
    AtomicReference<String> seen = new AtomicReference<>();
    rig.observers.add(
        new FrameObserver() {
          @Override
          public void onFrame(Frame frame) {
            frames.incrementAndGet();
          }

          @Override
          public void onSourceStatus(String cameraId, SourceStatus status, long nowMillis) {}
        });
    rig.taps.add(
        new LiveTap() {
          @Override
          public boolean wants(String cameraId) {
            asked.incrementAndGet();
            return watching.get() && cameraId.equals("live1");
          }

          @Override
          public void offer(Frame frame, LiveScene scene) {
            offered.incrementAndGet();
            seen.compareAndSet(
                null,
                frame.isClosed() + " " + frame.pixels().remaining() + " " + scene.objects().size());
          }
        });
    CameraPipeline pipeline =
        rig.pipeline("live1", PipelineRig.detector(), Supervision.DEFAULT, (id, e) -> {});
    pipeline.start();
    try {
      PipelineRig.await(
          () -> frames.get() >= 10 && asked.get() >= 10,
          Duration.ofSeconds(60),
          "frames flowing, the tap asked");
      assertEquals(0, offered.get(), "no frame offered while nobody watches");
      watching.set(true);
      PipelineRig.await(
          () -> offered.get() >= 3, Duration.ofSeconds(60), "frames offered while watched");
      String[] first = seen.get().split(" ");
      assertEquals("false", first[0], "the frame is still open when offered");
      assertEquals(768 * 576 * 3, Integer.parseInt(first[1]));
      assertTrue(
          Integer.parseInt(first[2]) > 0,
          "without analytics the scene holds the frame's detections");
      watching.set(false);
      int after = offered.get();
      int framesAt = frames.get();
      PipelineRig.await(() -> frames.get() >= framesAt + 10, Duration.ofSeconds(60), "more frames");
      assertFalse(offered.get() > after + 1, "offers stop when the viewer goes");
    } finally {
      pipeline.stop();
    }
  }
}
