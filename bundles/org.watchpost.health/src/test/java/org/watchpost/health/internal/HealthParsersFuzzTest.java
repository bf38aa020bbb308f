// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Every parser of file input in this bundle on arbitrary bytes: a baseline file decodes or is
 * refused with a BaselineFormatException, and the kernel file parsers give a value or nothing;
 * anything else is a finding. Jazzer fuzzes one test per run, so this one test covers them all.
 * Runs for a bounded time in the normal build.
 */
class HealthParsersFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void arbitraryFileContentIsParsedOrRefusedCleanly(byte[] bytes) {
    if (bytes == null) {
      return;
    }
    try {
      StoredBaseline stored = BaselineCodec.decode(bytes);
      StoredBaseline again = BaselineCodec.decode(BaselineCodec.encode(stored));
      if (!again.equals(stored)) {
        throw new AssertionError("re-encoding changed " + stored + " into " + again);
      }
    } catch (BaselineFormatException refused) {
      // the expected outcome for most inputs
    }
    String text = new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
    long[] ticks = SystemFiles.cpuTicks(text);
    double busy = SystemFiles.busyShare(ticks, ticks);
    if (!Double.isNaN(busy)) {
      throw new AssertionError("no time passed, yet a busy share of " + busy);
    }
    SystemFiles.firstNumber(text);
    SystemFiles.meminfoKb(text);
    SystemFiles.celsius(text)
        .ifPresent(
            celsius -> {
              if (!(celsius > -60 && celsius < 200)) {
                throw new AssertionError("implausible temperature " + celsius);
              }
            });
    SystemFiles.isProcessorZone(text);
  }
}
