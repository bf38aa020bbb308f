// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Everything a broker can hand a receiver: payload bytes (plain, gzip, batch) and a topic. Any
 * exception other than {@link MalformedPayloadException} is a finding. Replays its committed corpus
 * in verify; fuzzes for 10 s under -Pfuzz.
 */
class CodecFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void arbitraryBytesDecodeOrAreRefusedCleanly(byte[] wire) {
    try {
      for (KuraPayload payload : KuraPayloadCodec.decodeMessages(wire, 256 * 1024)) {
        payload.toString();
        // What decodes must encode again to something that decodes to the same payload.
        KuraPayload again = KuraPayloadCodec.decode(KuraPayloadCodec.encode(payload));
        if (!again.equals(payload)) {
          throw new AssertionError("re-encoding changed " + payload + " into " + again);
        }
      }
    } catch (MalformedPayloadException refused) {
      // the expected outcome for most inputs
    }
    String text = new String(wire, java.nio.charset.StandardCharsets.UTF_8);
    KuraTopic topic = KuraTopic.parse(text);
    if (topic != null
        && topic.kind() != KuraTopic.Kind.OTHER
        && KuraTopic.parse(topic.topic()) == null) {
      throw new AssertionError("topic " + topic + " does not parse back");
    }
    // Whatever parses keeps the topic rules (issue 12), and whatever segment() makes is one valid
    // level.
    if (topic != null && KuraTopic.topicProblem(text) != null) {
      throw new AssertionError(
          "parsed a topic that breaks the rules: " + KuraTopic.printable(text));
    }
    if (!KuraTopic.isLevel(KuraTopic.segment(text))) {
      throw new AssertionError("segment() made an invalid level of " + KuraTopic.printable(text));
    }
    KuraTopic.printable(text);
  }
}
