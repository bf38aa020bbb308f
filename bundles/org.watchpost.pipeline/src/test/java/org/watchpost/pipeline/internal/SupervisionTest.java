// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.failsafe.Execution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The restart backoff: grows, stays bounded, never gives up; bad settings refused naming the
 * property.
 */
class SupervisionTest {

  @Test
  void delaysDoubleUpToTheLongestAndRestartsNeverEnd() {
    Execution<Object> restarts = Supervision.DEFAULT.restarts();
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      restarts.recordException(new IllegalStateException("failure " + i));
      assertFalse(restarts.isComplete(), "never given up");
      delays.add(restarts.getDelay().toMillis());
    }
    assertTrue(
        delays.get(0) >= 900 && delays.get(0) <= 1100, "about 1 s first: " + delays.subList(0, 8));
    assertTrue(
        delays.get(3) >= 7200 && delays.get(3) <= 8800,
        "about 8 s at the fourth: " + delays.subList(0, 8));
    assertTrue(delays.stream().allMatch(d -> d <= 66_000), "bounded by 60 s and its jitter");
    assertTrue(delays.get(999) >= 54_000, "stays at the longest: " + delays.get(999));
  }

  @Test
  void badSettingsAreRefusedNamingTheProperty() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Supervision.ofSeconds(-1, 60, 300))
            .getMessage()
            .contains("restart.delay.s"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Supervision.ofSeconds(10, 5, 300))
            .getMessage()
            .contains("restart.max.delay.s >= restart.delay.s"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class, () -> Supervision.ofSeconds(1, Double.NaN, 300))
            .getMessage()
            .contains("restart.max.delay.s"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Supervision.ofSeconds(0, 60, 300))
            .getMessage()
            .contains("> 0"));
    Supervision same = Supervision.ofSeconds(2, 2, 0);
    Execution<Object> restarts = same.restarts();
    restarts.recordException(new RuntimeException());
    assertTrue(
        restarts.getDelay().compareTo(Duration.ofMillis(1700)) >= 0,
        "a fixed delay when both are equal");
  }
}
