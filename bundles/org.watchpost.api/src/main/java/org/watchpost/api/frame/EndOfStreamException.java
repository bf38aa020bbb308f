// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.frame;

/** The source of a feed has ended or was closed. */
public final class EndOfStreamException extends Exception {
  private static final long serialVersionUID = 1L;

  public EndOfStreamException(String message) {
    super(message);
  }
}
