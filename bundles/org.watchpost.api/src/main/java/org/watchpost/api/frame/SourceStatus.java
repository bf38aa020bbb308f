package org.watchpost.api.frame;

/**
 * What a source is doing right now.
 *
 * @param state the state
 * @param sinceEpochMillis when it entered that state
 * @param reconnects how many times the source has been reopened since it started
 * @param detail the last error or a description of the backend, never null
 */
public record SourceStatus(SourceState state, long sinceEpochMillis, long reconnects, String detail) {}
