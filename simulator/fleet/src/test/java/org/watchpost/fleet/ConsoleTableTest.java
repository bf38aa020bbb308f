// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.watchpost.fleet.DeviceRecord.Phase;

/**
 * The console's periodic table stays readable at national size: counts per phase, the rows that
 * need a look.
 */
class ConsoleTableTest {

  @Test
  void aLargeRolloutIsSummedUpWithTheFailedFirst() {
    List<DeviceRecord> rows = new ArrayList<>();
    for (int i = 0; i < 75_476; i++) {
      DeviceRecord r = new DeviceRecord();
      r.clientId = String.format("cam-%06d", i);
      r.online = i % 100 != 0;
      r.phase = i % 1000 == 7 ? Phase.FAILED : i < 10_000 ? Phase.DONE : Phase.WAITING;
      rows.add(r);
    }
    String text = FleetConsole.summary(rows, FleetConsole.TABLE_ROWS);
    List<String> lines = text.lines().toList();
    assertEquals(
        FleetConsole.TABLE_ROWS + 3, lines.size(), "counts, header, rows, the rest counted");
    assertTrue(
        lines.get(0).startsWith("75476 devices: {WAITING=")
            && lines.get(0).contains("FAILED=76")
            && lines.get(0).endsWith("755 offline"),
        lines.get(0));
    assertTrue(
        lines.get(2).contains("FAILED") && lines.get(2).startsWith("cam-000007"), lines.get(2));
    assertEquals(
        FleetConsole.TABLE_ROWS,
        lines.stream()
            .skip(2)
            .limit(FleetConsole.TABLE_ROWS)
            .filter(l -> l.contains(" FAILED "))
            .count(),
        "76 failed: the listed rows are all failed ones");
    assertTrue(lines.get(lines.size() - 1).equals("... 75436 more"), lines.get(lines.size() - 1));
    // A small fleet is listed whole.
    assertEquals(
        11, FleetConsole.summary(rows.subList(0, 10), FleetConsole.TABLE_ROWS).lines().count());
  }
}
