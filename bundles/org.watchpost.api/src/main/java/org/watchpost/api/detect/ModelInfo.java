// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.detect;

/** Identity of a loaded model: what every result and health report names. */
public record ModelInfo(String name, String version, String sha256) {}
