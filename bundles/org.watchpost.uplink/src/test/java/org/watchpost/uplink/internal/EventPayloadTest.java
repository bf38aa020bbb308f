// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;
import org.watchpost.uplink.codec.EventMetrics;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * Where an event's bytes go, and the compact profile against the verbose one: whole MQTT PUBLISH
 * packets of the real encoding, MQTT 5 with the topic alias (3 bytes of properties, no topic) and
 * MQTT 3.1.1 (topic in full). {@link WireSizeTest} measures the same at a proxy in front of a real
 * broker.
 */
class EventPayloadTest {
  private static final long SEQ = 1_234;

  private static int mqtt5Alias(Message m) {
    return MqttFraming.publish(0, m.encode(SEQ).length, 3, true);
  }

  private static int mqtt311(Message m) {
    return MqttFraming.publish(
        MqttFraming.utf8Length(m.topic().topic()), m.encode(SEQ).length, 0, false);
  }

  /** Bytes one metric adds to an encoded payload: tag, length, name, type, value. */
  private static String breakdown(Message m) {
    StringBuilder b = new StringBuilder();
    int empty = KuraPayloadCodec.encode(new KuraPayload(null, null, Map.of(), null)).length;
    int withTime =
        KuraPayloadCodec.encode(new KuraPayload(m.timestamp(), null, Map.of(), null)).length;
    b.append("timestamp=").append(withTime - empty);
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("seq", SEQ);
    all.putAll(m.metrics());
    int names = 0;
    int framing = 0;
    for (Map.Entry<String, Object> e : all.entrySet()) {
      int one =
          KuraPayloadCodec.encode(
                  new KuraPayload(null, null, Map.of(e.getKey(), e.getValue()), null))
              .length;
      names += e.getKey().length();
      b.append(' ').append(e.getKey()).append('=').append(one);
      framing += one - e.getKey().length();
    }
    b.append(" (names ")
        .append(names)
        .append(" B, framing+values ")
        .append(framing)
        .append(" B); topic ")
        .append(m.topic().topic().length() + 2)
        .append(" B on 3.1.1");
    return b.toString();
  }

  @Test
  void aLineCrossingIsAtMost120BytesOnMqtt5And140On311AndReadsAsTheVerboseOne() throws Exception {
    Event event = Samples.lineCrossing("gate", 17, Samples.T0);
    Message compact = new PayloadMapper("acme", "box-7", false).event(event);
    Message verbose = new PayloadMapper("acme", "box-7", false, true).event(event);
    System.out.printf(
        "wire: line crossing verbose %d B (MQTT 5 alias) / %d B (3.1.1): %s%n",
        mqtt5Alias(verbose), mqtt311(verbose), breakdown(verbose));
    System.out.printf(
        "wire: line crossing compact %d B (MQTT 5 alias) / %d B (3.1.1): %s%n",
        mqtt5Alias(compact), mqtt311(compact), breakdown(compact));
    assertTrue(mqtt5Alias(compact) <= 120, "MQTT 5 " + mqtt5Alias(compact));
    assertTrue(mqtt311(compact) <= 140, "MQTT 3.1.1 " + mqtt311(compact));

    KuraPayload read = EventMetrics.verbose(KuraPayloadCodec.decode(compact.encode(SEQ)));
    KuraPayload full = KuraPayloadCodec.decode(verbose.encode(SEQ));
    assertEquals(
        full.metrics(), read.metrics(), "a consumer reads the compact event by the verbose names");
    assertEquals(
        Map.of("seq", SEQ, "t", 2, "r", "line-1", "c", "person", "k", 17L, "p", 87, "d", 1),
        KuraPayloadCodec.decode(compact.encode(SEQ)).metrics());
  }

  @Test
  void geometryTravelsAsPermilleAndDeltaAndUnknownTypesAsText() throws Exception {
    Event event = Samples.lineCrossing("gate", 17, Samples.T0);
    KuraPayload compact =
        KuraPayloadCodec.decode(new PayloadMapper("acme", "box-7", true).event(event).encode(SEQ));
    assertEquals("410,300,50,120", compact.metric("b"));
    assertEquals(2_400L, compact.metric("f"));
    KuraPayload read = EventMetrics.verbose(compact);
    assertEquals(Samples.T0 - 2_400, read.metric("first_seen"));
    assertEquals("0.410,0.300,0.050,0.120", read.metric("box"));

    Event odd =
        new Event(
            "tamper",
            "r",
            "gate",
            "",
            -1,
            1f,
            null,
            Samples.T0,
            Samples.T0,
            Priority.ALARM,
            Map.of("cause", "intrusion", "note", "x"),
            null);
    KuraPayload oddCompact =
        KuraPayloadCodec.decode(new PayloadMapper("acme", "box-7", false).event(odd).encode(1));
    assertEquals("tamper", oddCompact.metric("t"), "a type outside the table travels as its name");
    KuraPayload oddRead = EventMetrics.verbose(oddCompact);
    assertEquals("tamper", oddRead.metric("type"));
    assertEquals("intrusion", oddRead.metric("cause"));
    assertEquals("x", oddRead.metric("note"));
  }

  @Test
  void incidentEventsShrinkToo() throws Exception {
    Event close =
        new Event(
            "incident_close",
            "north-gate",
            "gate",
            "person",
            -1,
            0.91f,
            null,
            Samples.T0,
            Samples.T0,
            Priority.ALARM,
            Map.of(
                "incident_id",
                "gate-1764000000000-3",
                "cause",
                "intrusion",
                "events",
                "4",
                "tracks",
                "2",
                "rules",
                "north-gate",
                "types",
                "intrusion:3,loitering:1",
                "duration_s",
                "42"),
            null);
    Message compact = new PayloadMapper("acme", "box-7", false).event(close);
    Message verbose = new PayloadMapper("acme", "box-7", false, true).event(close);
    System.out.printf(
        "wire: incident close verbose %d B / compact %d B (MQTT 5 alias)%n",
        mqtt5Alias(verbose), mqtt5Alias(compact));
    assertTrue(mqtt5Alias(compact) < mqtt5Alias(verbose));
    assertEquals(
        KuraPayloadCodec.decode(verbose.encode(SEQ)).metrics(),
        EventMetrics.verbose(KuraPayloadCodec.decode(compact.encode(SEQ))).metrics());
  }
}
