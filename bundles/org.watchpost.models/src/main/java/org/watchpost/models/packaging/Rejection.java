// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.packaging;

/**
 * Why a package or a model was turned down; {@link #code()} is what the device reports upstream.
 */
public enum Rejection {
  /** Not a package: not a zip, a missing or unreadable manifest, a manifest field out of bounds. */
  MALFORMED,
  /** The package, a file in it or all of them unpacked exceed the device's limits. */
  TOO_LARGE,
  /** The transfer ended short of the announced size, or the zip lacks its end. */
  TRUNCATED,
  /**
   * An entry name that would land outside the package directory, or one the manifest does not list.
   */
  UNSAFE_PATH,
  /** An entry expands past the size the signed manifest declares for it. */
  DECOMPRESSION_BOMB,
  /** The signature is signed by a key the device does not trust. */
  UNKNOWN_KEY,
  /** The signature does not match the manifest. */
  BAD_SIGNATURE,
  /**
   * A file's SHA-256 or size differs from the manifest, or the transfer's from what was announced.
   */
  HASH_MISMATCH,
  /** The package does not list this device's platform. */
  WRONG_PLATFORM,
  /** The package needs a newer runtime than this firmware. */
  RUNTIME_TOO_OLD,
  /** Older than the active model, and not a signed rollback. */
  DOWNGRADE,
  /** The same name and version is installed with other contents. */
  VERSION_CONFLICT,
  /** The model does not load in the runtime. */
  LOAD_FAILED,
  /** The model loaded but failed validation (outputs, golden frames, latency). */
  VALIDATION_FAILED,
  /** It served, and probation rolled it back. */
  PROBATION_FAILED,
  /** The console cancelled the job (EXEC cancel). */
  CANCELLED,
  /** The transfer did not finish before its deadline. */
  TIMED_OUT,
  /** The package URL is not one the device may fetch (internal address, not https). */
  URL_REFUSED;

  public String code() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
