// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.codec;

import java.io.IOException;

/** Bytes that are not a KuraPayload (or a batch of them) within the limits given. */
public final class MalformedPayloadException extends IOException {
  private static final long serialVersionUID = 1L;

  public MalformedPayloadException(String message) {
    super(message);
  }

  public MalformedPayloadException(String message, Throwable cause) {
    super(message, cause);
  }
}
