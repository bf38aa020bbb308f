// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

/**
 * Failure injection for the power-cut test: when the system property {@code
 * watchpost.models.crash_at} names a point, the JVM halts there at once, as kill -9 would, without
 * shutdown hooks. Unset on a device.
 */
final class CrashPoints {
  private static final String POINT = System.getProperty("watchpost.models.crash_at", "");

  private CrashPoints() {}

  static void reach(String point) {
    if (!POINT.isEmpty() && POINT.equals(point)) {
      Runtime.getRuntime().halt(137);
    }
  }
}
