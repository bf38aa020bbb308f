// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

/** A rectangle in frame pixels. */
public record Region(int x, int y, int width, int height) {
  public Region {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "region must have a positive size, was " + width + "x" + height);
    }
  }
}
