// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.track;

import org.watchpost.api.detect.Detection;

/** An axis-aligned box in frame pixels, (x1, y1) top-left, (x2, y2) bottom-right. */
public record Box(float x1, float y1, float x2, float y2) {

  public static Box of(Detection d) {
    return new Box(d.x1(), d.y1(), d.x2(), d.y2());
  }

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

  /** This box grown on every side by {@code share} of its width and height. */
  public Box expanded(float share) {
    float dx = width() * share;
    float dy = height() * share;
    return new Box(x1 - dx, y1 - dy, x2 + dx, y2 + dy);
  }

  public float iou(Box o) {
    float ix = Math.min(x2, o.x2) - Math.max(x1, o.x1);
    float iy = Math.min(y2, o.y2) - Math.max(y1, o.y1);
    if (ix <= 0 || iy <= 0) {
      return 0;
    }
    float inter = ix * iy;
    return inter / (area() + o.area() - inter);
  }

  /** Share of this box's area that lies inside the other. */
  public float coveredBy(Box o) {
    float ix = Math.min(x2, o.x2) - Math.max(x1, o.x1);
    float iy = Math.min(y2, o.y2) - Math.max(y1, o.y1);
    if (ix <= 0 || iy <= 0 || area() <= 0) {
      return 0;
    }
    return ix * iy / area();
  }
}
