// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.rules;

/** Plane geometry on segments. */
final class Segments {
  private Segments() {}

  /**
   * Cross product of (b - a) and (p - a): positive when p lies to the right of a->b in image
   * coordinates (y down).
   */
  static double side(Point a, Point b, double px, double py) {
    return (b.x() - a.x()) * (py - a.y()) - (b.y() - a.y()) * (px - a.x());
  }

  /** Whether segments p1-p2 and q1-q2 share a point (touching counts). */
  static boolean intersect(Point p1, Point p2, Point q1, Point q2) {
    double d1 = side(q1, q2, p1.x(), p1.y());
    double d2 = side(q1, q2, p2.x(), p2.y());
    double d3 = side(p1, p2, q1.x(), q1.y());
    double d4 = side(p1, p2, q2.x(), q2.y());
    if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
      return true;
    }
    return (d1 == 0 && onSegment(q1, q2, p1))
        || (d2 == 0 && onSegment(q1, q2, p2))
        || (d3 == 0 && onSegment(p1, p2, q1))
        || (d4 == 0 && onSegment(p1, p2, q2));
  }

  private static boolean onSegment(Point a, Point b, Point p) {
    return Math.min(a.x(), b.x()) <= p.x()
        && p.x() <= Math.max(a.x(), b.x())
        && Math.min(a.y(), b.y()) <= p.y()
        && p.y() <= Math.max(a.y(), b.y());
  }
}
