// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.rules;

/**
 * Which line crossings raise events (all are counted). {@code in} is a crossing from the left-hand
 * side of the line to its right-hand side, facing from its first point to its second; {@code out}
 * the other way.
 */
public enum Direction {
  BOTH,
  IN,
  OUT,
  NONE;

  public boolean raises(boolean inward) {
    return this == BOTH || (this == IN && inward) || (this == OUT && !inward);
  }
}
