// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.watchpost.api.event.Priority;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * A message before it has its seq: where it goes, how urgent it is, and its payload minus the seq
 * metric, which {@link #encode(long)} puts first.
 */
record Message(
    KuraTopic topic, Priority priority, long timestamp, Map<String, Object> metrics, byte[] body) {
  static final String SEQ = "seq";

  byte[] encode(long seq) {
    Map<String, Object> withSeq = new LinkedHashMap<>();
    withSeq.put(SEQ, seq);
    metrics.forEach(withSeq::putIfAbsent);
    return KuraPayloadCodec.encode(new KuraPayload(timestamp, null, withSeq, body));
  }

  /** The largest this message can encode to, whatever its seq. */
  int maxEncodedSize() {
    return encode(Long.MIN_VALUE).length;
  }
}
