// SPDX-License-Identifier: Apache-2.0
package org.watchpost.faults;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;

/**
 * Schedules come from command lines and simulator files. Any text either parses to a schedule that
 * writes back to text parsing to the same schedule, or is refused with an IllegalArgumentException;
 * anything else is a finding. Runs for a bounded time in the normal build.
 */
class FaultScheduleFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void anyTextParsesAndRoundTripsOrIsRefusedCleanly(@NotNull String text) {
    FaultSchedule schedule;
    try {
      schedule = FaultSchedule.parse(text);
    } catch (IllegalArgumentException refused) {
      return;
    }
    FaultSchedule again = FaultSchedule.parse(schedule.toString());
    if (!again.equals(schedule)) {
      throw new AssertionError(
          "'" + text + "' parsed to " + schedule + " but its text form parsed to " + again);
    }
  }
}
