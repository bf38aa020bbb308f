// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.util.List;

/**
 * Scenario files and traces are read from disk and may be edited by hand. Any text either reads to
 * a scenario (or trace) or is refused with an IOException that says what is wrong; anything else is
 * a finding. Jazzer fuzzes one test per run, so this one test feeds the same text to both parsers
 * (the trace as its lines). Runs for a bounded time in the normal build.
 */
class ScenarioAndTraceFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void anyTextIsAScenarioAndATraceOrAClearError(String text) {
    if (text == null) {
      return;
    }
    try {
      Scenario scenario = Scenario.parse(text, "fuzz.json");
      scenario.expanded();
    } catch (IOException refused) {
      // a clear error
    } catch (IllegalArgumentException duplicateIds) {
      if (!duplicateIds.getMessage().contains("appears twice")) {
        throw duplicateIds;
      }
    }
    try {
      Trace.parse(List.of(text.split("\n", -1)), "fuzz.jsonl");
    } catch (IOException refused) {
      // a clear error
    }
  }
}
