// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

/** A model that cannot be used; the message names the file and what is wrong with it. */
public final class ModelException extends Exception {
  private static final long serialVersionUID = 1L;

  public ModelException(String message) {
    super(message);
  }

  public ModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
