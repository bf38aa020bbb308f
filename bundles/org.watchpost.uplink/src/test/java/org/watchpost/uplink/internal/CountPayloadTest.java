// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.CountSummary;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * Count summaries carry only what happened: a class that was 0 in the interval is absent, and a
 * receiver reads absent as 0. Sizes are whole MQTT 3.1.1 PUBLISH packets of the real encoding
 * (topic included).
 */
class CountPayloadTest {
  private static final PayloadMapper MAPPER = new PayloadMapper("acme", "box-7", false);
  private static final String[] CLASSES = {"bus", "car", "motorcycle", "person", "truck"};

  private static Map<String, Long> zone(Map<String, Long> nonZero) {
    Map<String, Long> counts = new TreeMap<>();
    for (String c : CLASSES) {
      counts.put(c, 0L);
      counts.put(c + ".peak", 0L);
    }
    counts.putAll(nonZero);
    return counts;
  }

  private static int wireBytes(Message m) {
    return MqttFraming.publish(
        MqttFraming.utf8Length(m.topic().topic()), m.encode(1234).length, 0, false);
  }

  /** What the mapper sent before: every key, zeros included, same topic and framing. */
  private static int wireBytesWithZeros(CountSummary s) {
    Map<String, Object> metrics = new java.util.LinkedHashMap<>();
    metrics.put("seq", 1234L);
    metrics.put("rule", s.ruleId());
    metrics.put("from", s.fromMillis());
    new TreeMap<>(s.counts()).forEach(metrics::put);
    byte[] payload = KuraPayloadCodec.encode(new KuraPayload(s.toMillis(), null, metrics, null));
    return MqttFraming.publish(
        MqttFraming.utf8Length(MAPPER.counts(s).topic().topic()), payload.length, 0, false);
  }

  @Test
  void anEmptyIntervalIsOneShortMessageAndZerosAreAbsent() throws Exception {
    CountSummary empty =
        new CountSummary("gate", "lawn", Samples.T0, Samples.T0 + 60_000, zone(Map.of()));
    Message m = MAPPER.counts(empty);
    KuraPayload decoded = KuraPayloadCodec.decode(m.encode(7));
    assertEquals(Map.of("seq", 7L, "rule", "lawn", "from", Samples.T0), decoded.metrics());
    assertEquals(Samples.T0 + 60_000, decoded.timestamp());

    CountSummary some =
        new CountSummary(
            "gate",
            "lawn",
            Samples.T0,
            Samples.T0 + 60_000,
            zone(Map.of("person", 3L, "person.peak", 2L, "car.peak", 1L)));
    KuraPayload decodedSome = KuraPayloadCodec.decode(MAPPER.counts(some).encode(8));
    assertEquals(
        Map.of(
            "seq",
            8L,
            "rule",
            "lawn",
            "from",
            Samples.T0,
            "person",
            3L,
            "person.peak",
            2L,
            "car.peak",
            1L),
        decodedSome.metrics());
    // The receiver's reading: every class the rule counts, absent = 0, gives back the interval
    // exactly.
    Map<String, Long> rebuilt = zone(Map.of());
    decodedSome
        .metrics()
        .forEach(
            (k, v) -> {
              if (rebuilt.containsKey(k)) {
                rebuilt.put(k, (Long) v);
              }
            });
    assertEquals(some.counts(), rebuilt);

    int emptyBefore = wireBytesWithZeros(empty);
    int emptyAfter = wireBytes(m);
    int someBefore = wireBytesWithZeros(some);
    int someAfter = wireBytes(MAPPER.counts(some));
    System.out.printf(
        "wire: zone count (5 classes) nobody came %d B -> %d B; one class %d B -> %d B%n",
        emptyBefore, emptyAfter, someBefore, someAfter);
    assertTrue(emptyAfter < emptyBefore / 2, emptyBefore + " -> " + emptyAfter);
  }

  @Test
  void foldedCountsDropZerosToo() throws Exception {
    Message m =
        MAPPER.folded(
            "gate",
            "line-1",
            Samples.T0,
            Samples.T0 + 10_000,
            Map.of("person.in", 0L, "person.out", 4L));
    assertEquals(
        Map.of("seq", 1L, "rule", "line-1", "from", Samples.T0, "folded", true, "person.out", 4L),
        KuraPayloadCodec.decode(m.encode(1)).metrics());
  }
}
