// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.frame;

/**
 * What a source is doing right now.
 *
 * @param state the state
 * @param sinceEpochMillis when it entered that state
 * @param reconnects how many times the source has been reopened since it started
 * @param detail the last error or a description of the backend, never null; any credential in a URL
 *     in it is masked here (see {@link SourceUris}), since a status is logged, published and put in
 *     alarms
 */
public record SourceStatus(
    SourceState state, long sinceEpochMillis, long reconnects, String detail) {
  public SourceStatus {
    detail = SourceUris.redactText(detail == null ? "" : detail);
  }
}
