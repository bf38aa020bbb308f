package org.watchpost.simulator.fleet;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import java.io.IOException;
import java.util.List;

/**
 * Scenario files and traces are read from disk and may be edited by hand. Any text either reads to a
 * scenario (or trace) or is refused with an IOException that says what is wrong; anything else is a finding.
 * Runs for a bounded time in the normal build.
 */
class ScenarioAndTraceFuzzTest {

  @FuzzTest(maxDuration = "5s")
  void anyTextIsAScenarioOrAClearError(@NotNull String text) {
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
  }

  @FuzzTest(maxDuration = "5s")
  void anyLinesAreATraceOrAClearError(@NotNull List<@NotNull String> lines) {
    try {
      Trace.parse(lines, "fuzz.jsonl");
    } catch (IOException refused) {
      // a clear error
    }
  }
}
