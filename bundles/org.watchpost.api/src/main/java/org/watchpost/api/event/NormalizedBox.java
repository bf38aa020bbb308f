// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.event;

/** A box in coordinates normalised to the frame, 0..1, top-left origin. */
public record NormalizedBox(float x, float y, float width, float height) {}
