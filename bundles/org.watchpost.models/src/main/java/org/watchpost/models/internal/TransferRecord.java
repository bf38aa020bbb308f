// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

/**
 * A job's transfer as it is kept on disk ({@code incoming/JOB.json}) beside the bytes ({@code
 * incoming/JOB.part}).
 */
final class TransferRecord {
  String job;
  String requester;
  String transport;
  String url;
  String sha256;
  long size;

  /** Bytes of the part file known to be on disk, in order from 0. */
  long offset;

  boolean activate = true;
  int attempt;
  long startedMillis;

  /** Wall-clock time after which the transfer is abandoned (kept across restarts, so wall time). */
  long deadlineMillis;

  /**
   * MQTT: the size of the blocks the signed hash list covers ({@code incoming/JOB.hashes}); 0 for
   * HTTPS.
   */
  int blockSize;

  /**
   * The PUT was a signed, device-scoped rollback token: the package may go below the version floor.
   */
  boolean rollbackToken;

  boolean complete() {
    return offset >= size;
  }
}
