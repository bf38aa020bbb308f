// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

/**
 * How a source region was fitted into the model input: scaled by {@code scale} keeping its aspect,
 * placed at the top-left, the rest padded. {@code offsetX/offsetY} is where the region sits in the
 * whole frame.
 */
public record Letterbox(double scale, int scaledWidth, int scaledHeight, int offsetX, int offsetY) {

  public static Letterbox fit(
      int sourceWidth,
      int sourceHeight,
      int inputWidth,
      int inputHeight,
      int offsetX,
      int offsetY) {
    double scale = Math.min((double) inputWidth / sourceWidth, (double) inputHeight / sourceHeight);
    int scaledWidth = Math.max(1, Math.min(inputWidth, (int) Math.round(sourceWidth * scale)));
    int scaledHeight = Math.max(1, Math.min(inputHeight, (int) Math.round(sourceHeight * scale)));
    return new Letterbox(scale, scaledWidth, scaledHeight, offsetX, offsetY);
  }

  /** Model-input x to whole-frame x. */
  public float toFrameX(float inputX) {
    return (float) (inputX / scale) + offsetX;
  }

  /** Model-input y to whole-frame y. */
  public float toFrameY(float inputY) {
    return (float) (inputY / scale) + offsetY;
  }
}
