// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.track;

/**
 * Constant-velocity Kalman filter over (centre x, centre y, aspect ratio w/h, height) and their
 * rates, as in SORT and ByteTrack, but advanced by elapsed capture time rather than by frames: the
 * detector does not run on every frame, and a track must coast between runs at the speed it really
 * moves. Noise scales with the box height so that near and far objects are treated alike. Rates are
 * per second.
 */
public final class KalmanBoxFilter {
  private static final int N = 8;
  private static final int M = 4;

  /** Position noise as a share of the height, per reference step. */
  private static final double POSITION_WEIGHT = 1.0 / 20;

  /** Velocity noise as a share of the height, per reference step. */
  private static final double VELOCITY_WEIGHT = 1.0 / 160;

  /** The step the noise weights were tuned for (ByteTrack's, at 10 fps). */
  private static final double REFERENCE_STEP_S = 0.1;

  private final double[] x = new double[N];
  private final double[] p = new double[N * N];
  private final double[] scratch = new double[N * N];

  public KalmanBoxFilter(Box measured) {
    double[] z = measurement(measured);
    System.arraycopy(z, 0, x, 0, M);
    double h = z[3];
    double[] std = {
      2 * POSITION_WEIGHT * h,
      2 * POSITION_WEIGHT * h,
      1e-2,
      2 * POSITION_WEIGHT * h,
      10 * VELOCITY_WEIGHT * h / REFERENCE_STEP_S,
      10 * VELOCITY_WEIGHT * h / REFERENCE_STEP_S,
      1e-5,
      10 * VELOCITY_WEIGHT * h / REFERENCE_STEP_S
    };
    for (int i = 0; i < N; i++) {
      p[i * N + i] = std[i] * std[i];
    }
  }

  private static double[] measurement(Box b) {
    double h = Math.max(1e-3, b.height());
    return new double[] {b.centerX(), b.centerY(), b.width() / h, h};
  }

  /** Advances the state by {@code dtSeconds} of capture time. */
  public void predict(double dtSeconds) {
    if (dtSeconds <= 0) {
      return;
    }
    for (int i = 0; i < M; i++) {
      x[i] += dtSeconds * x[i + M];
    }
    // P = F P F^T + Q with F = [[I, dt I], [0, I]], written out since F is that sparse.
    double[] f = scratch;
    for (int r = 0; r < N; r++) {
      for (int c = 0; c < N; c++) {
        double v = p[r * N + c];
        if (r < M) {
          v += dtSeconds * p[(r + M) * N + c];
        }
        f[r * N + c] = v;
      }
    }
    for (int r = 0; r < N; r++) {
      for (int c = 0; c < N; c++) {
        double v = f[r * N + c];
        if (c < M) {
          v += dtSeconds * f[r * N + c + M];
        }
        p[r * N + c] = v;
      }
    }
    double steps = dtSeconds / REFERENCE_STEP_S;
    double h = Math.max(1, x[3]);
    double pos = POSITION_WEIGHT * h;
    double vel = VELOCITY_WEIGHT * h / REFERENCE_STEP_S;
    double[] q = {pos * pos, pos * pos, 1e-4, pos * pos, vel * vel, vel * vel, 1e-10, vel * vel};
    for (int i = 0; i < N; i++) {
      p[i * N + i] += q[i] * steps;
    }
  }

  /** Folds in a measured box. */
  public void update(Box measured) {
    double[] z = measurement(measured);
    double h = Math.max(1, x[3]);
    double pos = POSITION_WEIGHT * h;
    double[] r = {pos * pos, pos * pos, 1e-2, pos * pos};
    // S = H P H^T + R is the top-left 4x4 block of P plus R.
    double[] s = new double[M * M];
    for (int i = 0; i < M; i++) {
      for (int j = 0; j < M; j++) {
        s[i * M + j] = p[i * N + j] + (i == j ? r[i] : 0);
      }
    }
    double[] sInv = invert4(s);
    // K = P H^T S^-1: P H^T is the left 8x4 block of P.
    double[] k = new double[N * M];
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < M; j++) {
        double v = 0;
        for (int l = 0; l < M; l++) {
          v += p[i * N + l] * sInv[l * M + j];
        }
        k[i * M + j] = v;
      }
    }
    double[] innovation = new double[M];
    for (int i = 0; i < M; i++) {
      innovation[i] = z[i] - x[i];
    }
    for (int i = 0; i < N; i++) {
      double v = 0;
      for (int j = 0; j < M; j++) {
        v += k[i * M + j] * innovation[j];
      }
      x[i] += v;
    }
    // P = P - K H P, where H P is the top 4 rows of P.
    double[] next = scratch;
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < N; j++) {
        double v = 0;
        for (int l = 0; l < M; l++) {
          v += k[i * M + l] * p[l * N + j];
        }
        next[i * N + j] = p[i * N + j] - v;
      }
    }
    System.arraycopy(next, 0, p, 0, N * N);
  }

  /** Forgets the motion: a stationary object coasts in place. */
  public void stop() {
    for (int i = M; i < N; i++) {
      x[i] = 0;
    }
  }

  public Box box() {
    double h = Math.max(1e-3, x[3]);
    double w = Math.max(1e-3, x[2] * h);
    return new Box(
        (float) (x[0] - w / 2),
        (float) (x[1] - h / 2),
        (float) (x[0] + w / 2),
        (float) (x[1] + h / 2));
  }

  /** Speed of the centre, pixels per second. */
  public double speed() {
    return Math.hypot(x[4], x[5]);
  }

  private static double[] invert4(double[] a) {
    double[] m = a.clone();
    double[] inv = new double[M * M];
    for (int i = 0; i < M; i++) {
      inv[i * M + i] = 1;
    }
    for (int c = 0; c < M; c++) {
      int pivot = c;
      for (int r = c + 1; r < M; r++) {
        if (Math.abs(m[r * M + c]) > Math.abs(m[pivot * M + c])) {
          pivot = r;
        }
      }
      if (pivot != c) {
        swapRows(m, c, pivot);
        swapRows(inv, c, pivot);
      }
      double d = m[c * M + c];
      if (Math.abs(d) < 1e-12) {
        d = 1e-12;
      }
      for (int j = 0; j < M; j++) {
        m[c * M + j] /= d;
        inv[c * M + j] /= d;
      }
      for (int r = 0; r < M; r++) {
        if (r != c) {
          double f = m[r * M + c];
          if (f != 0) {
            for (int j = 0; j < M; j++) {
              m[r * M + j] -= f * m[c * M + j];
              inv[r * M + j] -= f * inv[c * M + j];
            }
          }
        }
      }
    }
    return inv;
  }

  private static void swapRows(double[] m, int a, int b) {
    for (int j = 0; j < M; j++) {
      double t = m[a * M + j];
      m[a * M + j] = m[b * M + j];
      m[b * M + j] = t;
    }
  }
}
