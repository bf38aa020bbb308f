// SPDX-License-Identifier: Apache-2.0
package org.eclipse.kura.cloudconnection.request;

/** Keys of a request KuraMessage's properties. */
public enum RequestHandlerMessageConstants {
  /** The request's resource path below the method, a {@code List<String>}. */
  ARGS_KEY("args");

  private final String value;

  RequestHandlerMessageConstants(String value) {
    this.value = value;
  }

  public String value() {
    return value;
  }
}
