// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

/**
 * A model, calibration set or option the quantizer cannot work with; the message says which and
 * why.
 */
public final class QuantizeException extends Exception {
  private static final long serialVersionUID = 1L;

  public QuantizeException(String message) {
    super(message);
  }

  public QuantizeException(String message, Throwable cause) {
    super(message, cause);
  }
}
