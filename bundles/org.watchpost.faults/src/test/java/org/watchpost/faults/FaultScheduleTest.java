// SPDX-License-Identifier: Apache-2.0
package org.watchpost.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FaultScheduleTest {

  @Test
  void textFormReadsKindsAmountsAndWindowsAndWritesBackTheSame() {
    FaultSchedule schedule =
        FaultSchedule.parse(" blur:4.5@50-60 ; black@30-40, shift@70.25-80,drop@90-95");
    assertEquals(
        List.of(
            new Fault(FaultKind.BLACK, 30_000, 40_000, Double.NaN),
            new Fault(FaultKind.BLUR, 50_000, 60_000, 4.5),
            new Fault(FaultKind.SHIFT, 70_250, 80_000, 0.05),
            new Fault(FaultKind.DROP, 90_000, 95_000, Double.NaN)),
        schedule.faults());
    assertEquals(
        "black:6@30-40, blur:4.5@50-60, shift:0.05@70.25-80, drop@90-95", schedule.toString());
    assertEquals(schedule, FaultSchedule.parse(schedule.toString()));
    assertEquals(FaultSchedule.NONE, FaultSchedule.parse("  "));
  }

  @Test
  void theFaultActiveAtATimeIsFoundWithExclusiveEnds() {
    FaultSchedule schedule = FaultSchedule.parse("freeze@1-2, cover@2-3");
    assertNull(schedule.at(999));
    assertEquals(FaultKind.FREEZE, schedule.at(1000).kind());
    assertEquals(FaultKind.COVER, schedule.at(2000).kind());
    assertNull(schedule.at(3000));
  }

  @Test
  void aScheduleWithAPeriodComesBackEveryPeriodOfStreamTime() {
    // A clip played in a loop keeps counting stream time (each pass starts where the last ended),
    // so a soak that
    // wants its faults on every pass gives the schedule the clip's length as its period.
    FaultSchedule schedule = FaultSchedule.parse("black@20-26, every:79.5");
    assertEquals(79_500, schedule.periodMillis());
    assertEquals(FaultKind.BLACK, schedule.at(20_000).kind());
    assertNull(schedule.at(26_000));
    assertEquals(FaultKind.BLACK, schedule.at(79_500 + 20_000).kind());
    assertEquals(FaultKind.BLACK, schedule.at(1000 * 79_500L + 25_999).kind());
    assertNull(schedule.at(1000 * 79_500L + 26_000));
    assertEquals("black:6@20-26, every:79.5", schedule.toString());
    assertEquals(schedule, FaultSchedule.parse(schedule.toString()));
    assertMessage("ends after the period", "black@70-80, every:79.5");
    assertMessage("one period", "black@1-2, every:10, every:20");
    assertMessage("period must be", "black@1-2, every:0");
  }

  @Test
  void badEntriesAreRefusedNamingTheEntry() {
    assertMessage("unknown fault 'smoke'", "smoke@1-2");
    assertMessage("takes no amount", "freeze:2@1-2");
    assertMessage("not kind[:amount]@from-to", "black 1-2");
    assertMessage("not a plain decimal", "black@-1-2");
    assertMessage("not a plain decimal", "black@1e3-2e3");
    assertMessage("not a plain decimal", "blur:NaN@1-2");
    assertMessage("0 <= from < to", "black@5-5");
    assertMessage("amount must be within", "cover:1.5@1-2");
    assertMessage("must be whole", "slow:2.5@1-2");
    assertMessage("overlap", "black@1-5, blur@4-6");
    assertMessage("empty entry", "black@1-2,,blur@3-4");
    assertMessage("longer than", "black@1-2,".repeat(500));
    assertMessage("at most 64", "black@1-2,".repeat(64) + "black@1-2");
  }

  private static void assertMessage(String expected, String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FaultSchedule.parse(text));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
