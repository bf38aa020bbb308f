// SPDX-License-Identifier: Apache-2.0
package org.eclipse.kura;

/** Kura's checked exception: an error code and its arguments. */
public class KuraException extends Exception {
  private static final long serialVersionUID = 1L;

  protected final KuraErrorCode code;
  private final Object[] arguments;

  public KuraException(KuraErrorCode code) {
    this(code, null, (Object[]) null);
  }

  public KuraException(KuraErrorCode code, Object... arguments) {
    this(code, null, arguments);
  }

  public KuraException(KuraErrorCode code, Throwable cause, Object... arguments) {
    super(cause);
    this.code = code;
    this.arguments = arguments;
  }

  public KuraErrorCode getCode() {
    return code;
  }

  @Override
  public String getMessage() {
    StringBuilder s = new StringBuilder(String.valueOf(code));
    if (arguments != null) {
      for (Object a : arguments) {
        s.append(' ').append(a);
      }
    }
    return s.toString();
  }
}
