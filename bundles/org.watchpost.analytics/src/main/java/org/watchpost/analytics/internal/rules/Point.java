// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.rules;

/** A point in coordinates normalised to the frame, 0..1, top-left origin. */
public record Point(double x, double y) {}
