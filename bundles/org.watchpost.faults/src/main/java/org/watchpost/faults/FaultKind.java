// SPDX-License-Identifier: Apache-2.0
package org.watchpost.faults;

/**
 * What a fault does to a camera, and what its amount means. Each kind has a default amount and a
 * valid range; kinds without an amount ignore it.
 */
public enum FaultKind {
  /** The view goes black (lens cap, dead sensor): amount is the remaining brightness, 0..60. */
  BLACK(6, 0, 60),
  /**
   * The picture stops changing while frames keep arriving (the first frame of the window repeats).
   */
  FREEZE(Double.NaN, Double.NaN, Double.NaN),
  /**
   * Out of focus or a fogged lens: amount is the Gaussian sigma in pixels of a 768 pixel wide
   * frame.
   */
  BLUR(3, 0.1, 50),
  /** Something covers most of the view: amount is the share of the width covered, from the left. */
  COVER(0.8, 0.05, 1),
  /** The camera was knocked: amount is the share of width and height by which the view moves. */
  SHIFT(0.05, 0.001, 0.5),
  /** The stream is lost: no frames, and the source reports that it is reconnecting. */
  DROP(Double.NaN, Double.NaN, Double.NaN),
  /** Glare or a failed iris: amount is the gain applied to every pixel (with an offset of 80). */
  OVEREXPOSE(3, 1.01, 20),
  /** Dusk, a dirty dome or a failing illuminator: amount is the gain applied to every pixel. */
  DIM(0.2, 0.01, 0.99),
  /** The camera delivers too few frames: amount is N in "one frame in N is kept". */
  SLOW(5, 2, 1000);

  private final double defaultAmount;
  private final double minAmount;
  private final double maxAmount;

  FaultKind(double defaultAmount, double minAmount, double maxAmount) {
    this.defaultAmount = defaultAmount;
    this.minAmount = minAmount;
    this.maxAmount = maxAmount;
  }

  /** The amount used when a schedule gives none; NaN for kinds without an amount. */
  public double defaultAmount() {
    return defaultAmount;
  }

  public boolean hasAmount() {
    return !Double.isNaN(defaultAmount);
  }

  public double minAmount() {
    return minAmount;
  }

  public double maxAmount() {
    return maxAmount;
  }

  /** The name used in schedules: the enum name in lower case. */
  public String code() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
