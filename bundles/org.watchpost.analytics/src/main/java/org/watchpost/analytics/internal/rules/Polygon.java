// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.rules;

import java.util.List;

/** A simple (not self-intersecting) polygon in normalised coordinates. */
public record Polygon(List<Point> points) {
  public Polygon {
    points = List.copyOf(points);
  }

  /** Even-odd test; points on an edge may go either way. */
  public boolean contains(double x, double y) {
    boolean inside = false;
    int n = points.size();
    for (int i = 0, j = n - 1; i < n; j = i++) {
      Point a = points.get(i);
      Point b = points.get(j);
      if ((a.y() > y) != (b.y() > y)
          && x < (b.x() - a.x()) * (y - a.y()) / (b.y() - a.y()) + a.x()) {
        inside = !inside;
      }
    }
    return inside;
  }

  public double area() {
    double twice = 0;
    int n = points.size();
    for (int i = 0; i < n; i++) {
      Point a = points.get(i);
      Point b = points.get((i + 1) % n);
      twice += a.x() * b.y() - b.x() * a.y();
    }
    return Math.abs(twice) / 2;
  }

  /**
   * The index pair of two edges that cross, or null if none do. Adjacent edges share a vertex and
   * are skipped.
   */
  public int[] firstCrossing() {
    int n = points.size();
    for (int i = 0; i < n; i++) {
      Point a1 = points.get(i);
      Point a2 = points.get((i + 1) % n);
      for (int j = i + 1; j < n; j++) {
        if (j == i + 1 || (i == 0 && j == n - 1)) {
          continue;
        }
        if (Segments.intersect(a1, a2, points.get(j), points.get((j + 1) % n))) {
          return new int[] {i, j};
        }
      }
    }
    return null;
  }
}
