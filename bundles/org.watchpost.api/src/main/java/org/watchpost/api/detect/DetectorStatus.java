// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

/**
 * Whether the detector can run.
 *
 * @param up true when a verified model is loaded
 * @param model the loaded model, or null when down
 * @param reason why it is down (names the file and what was wrong), or an empty string
 */
public record DetectorStatus(boolean up, ModelInfo model, String reason) {}
