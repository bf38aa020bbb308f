package org.watchpost.models.internal;

/** A job's transfer as it is kept on disk ({@code incoming/JOB.json}) beside the bytes ({@code incoming/JOB.part}). */
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

  boolean complete() {
    return offset >= size;
  }
}
