// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.watchpost.api.frame.FeedMode;

/**
 * The model is swapped while a camera loop runs on vtest at 10 fps: every frame gets a detection,
 * the frame sequence numbers stay continuous across the swap (nothing dropped, no restart), and two
 * consecutive frames are served by the old and the new model. The loop takes every frame (the
 * capture waits for it), so a frame missing at the swap is the swap's doing; with newest-wins a
 * loaded machine let one pass while the new model was validated beside the serving one (a
 * clean-clone run at load 20: frames 67 and 69 either side of the swap), which is a cost for {@link
 * SwapGapBenchmark} to measure, not a lost frame.
 */
class SwapOnVtestTest {

  @Test
  void theDetectorSwapsModelsBetweenTwoFrames() throws Exception {
    SwapRun.Outcome run = SwapRun.run(120, 10, FeedMode.EVERY_FRAME);
    assertEquals(0, run.failures(), "no detect call failed");
    assertTrue(
        run.swapIndex() > 10 && run.swapIndex() < run.frames().size() - 6,
        "the swap happened while frames flowed: " + run.swapIndex());
    // Across the swap: the last frame of the old model and the first of the new one are consecutive
    // frames of
    // the camera, and no frame anywhere in the run is missing.
    assertEquals(
        run.frames().get(run.swapIndex() - 1).sequence() + 1,
        run.frames().get(run.swapIndex()).sequence(),
        "the old model's last frame and the new model's first are consecutive (swap at "
            + run.swapIndex()
            + ")");
    int gaps = 0;
    for (int i = 1; i < run.frames().size(); i++) {
      gaps += (int) (run.frames().get(i).sequence() - run.frames().get(i - 1).sequence() - 1);
    }
    assertEquals(0, gaps, "every frame of the camera was served");
    assertEquals("0.1.1", run.frames().get(run.swapIndex() - 1).modelVersion());
    assertEquals("0.1.2", run.frames().get(run.swapIndex()).modelVersion());
    for (int i = run.swapIndex(); i < run.frames().size(); i++) {
      assertEquals(
          "0.1.2",
          run.frames().get(i).modelVersion(),
          "no frame after the swap went to the old model");
    }
    System.out.printf(
        "swap on vtest at 10 fps: %d frames, swap at frame %d; inter-frame gap median %.1f ms, longest "
            + "%.1f ms overall, %.1f ms across the swap (frames %d..%d); %d missing in the whole run%n",
        run.frames().size(),
        run.swapIndex(),
        run.medianGapMillis(),
        run.gapMillis(1, run.frames().size()),
        run.gapMillis(run.swapIndex() - 2, run.swapIndex() + 3),
        run.swapIndex() - 2,
        run.swapIndex() + 2,
        gaps);
  }
}
