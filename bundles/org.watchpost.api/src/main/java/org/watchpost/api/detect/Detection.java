// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

/**
 * One detected object; the box is in source-frame pixels, corners (x1, y1) top-left and (x2, y2)
 * bottom-right.
 */
public record Detection(
    int classId, String label, float score, float x1, float y1, float x2, float y2) {

  public float width() {
    return x2 - x1;
  }

  public float height() {
    return y2 - y1;
  }

  public float area() {
    return Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  }

  public float centerX() {
    return (x1 + x2) / 2;
  }

  public float centerY() {
    return (y1 + y2) / 2;
  }

  /** Intersection over union with another box. */
  public float iou(Detection other) {
    float ix = Math.min(x2, other.x2) - Math.max(x1, other.x1);
    float iy = Math.min(y2, other.y2) - Math.max(y1, other.y1);
    if (ix <= 0 || iy <= 0) {
      return 0;
    }
    float inter = ix * iy;
    return inter / (area() + other.area() - inter);
  }
}
