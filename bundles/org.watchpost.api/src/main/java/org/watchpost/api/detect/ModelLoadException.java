// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

/**
 * A model that cannot be loaded; {@link #getMessage()} names the file and what is wrong with it.
 */
public final class ModelLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
