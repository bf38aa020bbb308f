// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.io.IOException;

/** A baseline file that cannot be used; the message says which field is wrong and why. */
final class BaselineFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  BaselineFormatException(String message) {
    super(message);
  }

  BaselineFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
