// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.packaging;

/** A package or model turned down: the reason class, and a sentence naming what was wrong. */
public final class PackageRejectedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final Rejection reason;

  public PackageRejectedException(Rejection reason, String message) {
    super(message);
    this.reason = reason;
  }

  public PackageRejectedException(Rejection reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Rejection reason() {
    return reason;
  }

  @Override
  public String toString() {
    return reason.code() + ": " + getMessage();
  }
}
