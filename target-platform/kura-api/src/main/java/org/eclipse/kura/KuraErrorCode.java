// SPDX-License-Identifier: Apache-2.0
package org.eclipse.kura;

/**
 * The error codes of Kura's API that the adapter raises or reads (a subset of Kura's enum, same
 * names).
 */
public enum KuraErrorCode {
  CONFIGURATION_ERROR,
  INTERNAL_ERROR,
  INVALID_PARAMETER,
  NOT_FOUND,
  BAD_REQUEST,
  NOT_CONNECTED,
  TIMED_OUT,
  OPERATION_NOT_SUPPORTED,
  STORE_ERROR,
  SECURITY_EXCEPTION,
  SERVICE_UNAVAILABLE
}
