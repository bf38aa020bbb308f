// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.track;

import java.util.Arrays;

/**
 * Minimum-cost one-to-one assignment (Hungarian method, shortest augmenting paths with potentials)
 * of rows to columns, keeping only pairs whose cost is at most a threshold: ByteTrack's lapjv step.
 */
public final class LinearAssignment {
  private LinearAssignment() {}

  /**
   * @param cost cost[row][col]
   * @param maxCost pairs above this cost are left unmatched
   * @return for every row the matched column, or -1
   */
  public static int[] solve(double[][] cost, double maxCost) {
    int rows = cost.length;
    int[] result = new int[rows];
    Arrays.fill(result, -1);
    if (rows == 0 || cost[0].length == 0) {
      return result;
    }
    int cols = cost[0].length;
    boolean transposed = rows > cols;
    int n = transposed ? cols : rows;
    int m = transposed ? rows : cols;
    // Costs above the threshold are made prohibitive but finite, so that the method always
    // completes.
    double big = maxCost * 2 + 1e6;
    double[][] a = new double[n + 1][m + 1];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double c = transposed ? cost[j][i] : cost[i][j];
        a[i + 1][j + 1] = c > maxCost ? big : c;
      }
    }
    double[] u = new double[n + 1];
    double[] v = new double[m + 1];
    int[] match = new int[m + 1];
    int[] way = new int[m + 1];
    for (int i = 1; i <= n; i++) {
      match[0] = i;
      int j0 = 0;
      double[] minv = new double[m + 1];
      Arrays.fill(minv, Double.POSITIVE_INFINITY);
      boolean[] used = new boolean[m + 1];
      do {
        used[j0] = true;
        int i0 = match[j0];
        double delta = Double.POSITIVE_INFINITY;
        int j1 = 0;
        for (int j = 1; j <= m; j++) {
          if (!used[j]) {
            double cur = a[i0][j] - u[i0] - v[j];
            if (cur < minv[j]) {
              minv[j] = cur;
              way[j] = j0;
            }
            if (minv[j] < delta) {
              delta = minv[j];
              j1 = j;
            }
          }
        }
        for (int j = 0; j <= m; j++) {
          if (used[j]) {
            u[match[j]] += delta;
            v[j] -= delta;
          } else {
            minv[j] -= delta;
          }
        }
        j0 = j1;
      } while (match[j0] != 0);
      do {
        int j1 = way[j0];
        match[j0] = match[j1];
        j0 = j1;
      } while (j0 != 0);
    }
    for (int j = 1; j <= m; j++) {
      int i = match[j];
      if (i == 0) {
        continue;
      }
      int row = transposed ? j - 1 : i - 1;
      int col = transposed ? i - 1 : j - 1;
      if (cost[row][col] <= maxCost) {
        result[row] = col;
      }
    }
    return result;
  }
}
