// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

/** The detector has no usable model; {@link #getMessage()} says why. */
public final class DetectorUnavailableException extends Exception {
  private static final long serialVersionUID = 1L;

  public DetectorUnavailableException(String message) {
    super(message);
  }
}
