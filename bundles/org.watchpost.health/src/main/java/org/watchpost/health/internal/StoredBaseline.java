// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.util.Arrays;
import java.util.Objects;

/**
 * A camera's baseline as kept on disk: the learned values and the reference view as 8-bit grey.
 *
 * @param cameraId the camera it belongs to
 * @param baseline the learned values
 * @param referenceWidth width of the reference view (the analyser's coarse size)
 * @param referenceHeight height of the reference view
 * @param reference grey levels row by row, {@code referenceWidth * referenceHeight} bytes
 */
record StoredBaseline(
    String cameraId, Baseline baseline, int referenceWidth, int referenceHeight, byte[] reference) {

  StoredBaseline {
    Objects.requireNonNull(cameraId, "cameraId");
    Objects.requireNonNull(baseline, "baseline");
    if (reference.length != referenceWidth * referenceHeight) {
      throw new IllegalArgumentException(
          "reference of "
              + reference.length
              + " bytes is not "
              + referenceWidth
              + "x"
              + referenceHeight);
    }
    reference = reference.clone();
  }

  @Override
  public byte[] reference() {
    return reference.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof StoredBaseline s
        && cameraId.equals(s.cameraId)
        && baseline.equals(s.baseline)
        && referenceWidth == s.referenceWidth
        && referenceHeight == s.referenceHeight
        && Arrays.equals(reference, s.reference);
  }

  @Override
  public int hashCode() {
    return cameraId.hashCode() * 31 + Arrays.hashCode(reference);
  }

  @Override
  public String toString() {
    return "StoredBaseline["
        + cameraId
        + " "
        + baseline
        + " reference "
        + referenceWidth
        + "x"
        + referenceHeight
        + "]";
  }
}
