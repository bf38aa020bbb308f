// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

/**
 * What the active model has done since it was activated: the model manager watches it during
 * probation.
 *
 * @param model the active model, or null while the detector is down
 * @param sinceMillis when it was activated, epoch ms
 * @param calls detect calls answered
 * @param errors detect calls that failed
 * @param p50Millis median time per call over the recent calls; NaN before the first
 * @param p95Millis 95th percentile over the recent calls; NaN before the first
 * @param lastError the last failure's message, or an empty string
 */
public record ServingStats(
    ModelInfo model,
    long sinceMillis,
    long calls,
    long errors,
    double p50Millis,
    double p95Millis,
    String lastError) {}
