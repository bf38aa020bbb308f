// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import java.util.List;
import java.util.Objects;

/**
 * What one camera's analytics sees on one frame, for a local display.
 *
 * @param objects the tracks followed now (coasting ones included), frame pixels
 * @param motion the motion regions of this frame, frame pixels; empty when the motion gate is off
 * @param globalMotion most of the frame changed at once (light, shake): the regions say nothing
 * @param rules the geometry of the rules that apply to this camera
 * @param shedding the load governor has lowered the detection rate
 */
public record LiveScene(
    List<LiveObject> objects,
    List<Box> motion,
    boolean globalMotion,
    List<RuleShape> rules,
    boolean shedding) {
  public static final LiveScene EMPTY =
      new LiveScene(List.of(), List.of(), false, List.of(), false);

  public LiveScene {
    objects = List.copyOf(objects);
    motion = List.copyOf(motion);
    rules = List.copyOf(rules);
  }

  /** A box in frame pixels, (x1, y1) top-left, (x2, y2) bottom-right. */
  public record Box(float x1, float y1, float x2, float y2) {}

  /**
   * One followed object.
   *
   * @param trackId the track's identity
   * @param label its class
   * @param score its smoothed detection score
   * @param box where it is
   * @param confirmed confirmed by enough detections (tentative and coasting tracks are not)
   */
  public record LiveObject(long trackId, String label, float score, Box box, boolean confirmed) {
    public LiveObject {
      Objects.requireNonNull(label, "label");
      Objects.requireNonNull(box, "box");
    }
  }
}
