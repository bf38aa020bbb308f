// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Adds fields to the run summary the pipeline writes at the end of a finite run ({@code watchpost
 * demo}). Values are JSON-compatible: Number, String, Boolean, List and Map of those.
 */
@ConsumerType
public interface SummaryContributor {

  Map<String, Object> summary();

  /**
   * Called once before {@link #summary()} at the end of a finite run: a contributor with work still
   * in flight (the uplink's outbox) finishes it, waiting at most {@code timeoutMillis}, so that the
   * summary counts it.
   */
  default void settle(long timeoutMillis) {}
}
