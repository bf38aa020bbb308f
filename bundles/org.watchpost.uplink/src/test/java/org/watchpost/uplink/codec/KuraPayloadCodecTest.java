// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class KuraPayloadCodecTest {

  /**
   * Written out by hand from the Kura schema: tag 0x08 timestamp varint; each metric is field 5000
   * (key 0xc2 0xb8 0x02) holding name (0x0a), type (0x10) and the typed value; body is field 5001
   * (0xca 0xb8 0x02).
   */
  private static final String EXPECTED_HEX =
      "08fbd095ffbc31"
          + "c2b80209"
          + "0a03736571"
          + "1002"
          + "282a"
          + "c2b80217"
          + "0a0474797065"
          + "1005"
          + "420d6c696e655f63726f7373696e67"
          + "c2b8020d"
          + "0a04636f6e66"
          + "1001"
          + "250000603f"
          + "c2b80208"
          + "0a026f6b"
          + "1004"
          + "3801"
          + "cab80203010203";

  private static KuraPayload sample() {
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("seq", 42L);
    metrics.put("type", "line_crossing");
    metrics.put("conf", 0.875f);
    metrics.put("ok", true);
    return new KuraPayload(1_700_000_000_123L, null, metrics, new byte[] {1, 2, 3});
  }

  @Test
  void encodesByteForByteAsTheSchemaSays() {
    assertEquals(EXPECTED_HEX, HexFormat.of().formatHex(KuraPayloadCodec.encode(sample())));
  }

  @Test
  void decodesTheHandWrittenBytes() throws Exception {
    KuraPayload decoded = KuraPayloadCodec.decode(HexFormat.of().parseHex(EXPECTED_HEX));
    assertEquals(sample(), decoded);
    assertEquals(List.of("seq", "type", "conf", "ok"), new ArrayList<>(decoded.metrics().keySet()));
  }

  @Test
  void everyValueTypeAndThePositionRoundTrip() throws Exception {
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("d", -1.5e300);
    metrics.put("f", Float.MIN_VALUE);
    metrics.put("l", Long.MIN_VALUE);
    metrics.put("i", -7);
    metrics.put("b", false);
    metrics.put("s", "grüße / ⛔");
    metrics.put("y", new byte[] {0, (byte) 0xff});
    KuraPosition position = new KuraPosition(46.5, 6.6, 372.0, 4.0, 90.0, 0.0, 17L, 9, 2);
    KuraPayload payload = new KuraPayload(null, position, metrics, null);
    assertEquals(payload, KuraPayloadCodec.decode(KuraPayloadCodec.encode(payload)));
  }

  @Test
  void anEmptyPayloadIsZeroBytes() throws Exception {
    KuraPayload empty = new KuraPayload(null, null, Map.of(), null);
    assertEquals(0, KuraPayloadCodec.encode(empty).length);
    assertEquals(empty, KuraPayloadCodec.decode(new byte[0]));
  }

  @Test
  void aBatchKeepsOrderAndIsGzip() throws Exception {
    List<byte[]> encoded = new ArrayList<>();
    List<KuraPayload> payloads = new ArrayList<>();
    for (long seq = 1; seq <= 20; seq++) {
      KuraPayload p =
          new KuraPayload(
              1_700_000_000_000L + seq, null, Map.of("seq", seq, "type", "line_crossing"), null);
      payloads.add(p);
      encoded.add(KuraPayloadCodec.encode(p));
    }
    byte[] batch = KuraPayloadCodec.encodeBatch(1_700_000_000_999L, encoded);
    assertTrue(KuraPayloadCodec.isGzip(batch));
    assertEquals(payloads, KuraPayloadCodec.decodeMessages(batch, 1 << 20));
    int plain = encoded.stream().mapToInt(b -> b.length).sum();
    assertTrue(
        batch.length < plain / 2, "20 similar payloads compress: " + batch.length + " of " + plain);
  }

  @Test
  void aPlainPayloadIsOneMessage() throws Exception {
    assertEquals(
        List.of(sample()),
        KuraPayloadCodec.decodeMessages(KuraPayloadCodec.encode(sample()), 1024));
  }

  @Test
  void aMetricWithoutItsTypedValueIsRefusedByName() {
    // metric "seq" of type INT64 (2) carrying a string value (field 8)
    byte[] bytes = HexFormat.of().parseHex("c2b80209" + "0a03736571" + "1002" + "4200");
    MalformedPayloadException e =
        assertThrows(MalformedPayloadException.class, () -> KuraPayloadCodec.decode(bytes));
    assertTrue(e.getMessage().contains("seq") && e.getMessage().contains("INT64"), e.getMessage());
  }

  @Test
  void aMissingRequiredTypeIsRefused() {
    byte[] bytes = HexFormat.of().parseHex("c2b80205" + "0a03736571");
    assertThrows(MalformedPayloadException.class, () -> KuraPayloadCodec.decode(bytes));
  }

  @Test
  void aRepeatedMetricNameIsRefused() {
    String seq = "c2b80209" + "0a03736571" + "1003" + "3001";
    MalformedPayloadException e =
        assertThrows(
            MalformedPayloadException.class,
            () -> KuraPayloadCodec.decode(HexFormat.of().parseHex(seq + seq)));
    assertTrue(e.getMessage().contains("more than once"), e.getMessage());
  }

  @Test
  void truncatedBytesAreRefused() {
    byte[] whole = HexFormat.of().parseHex(EXPECTED_HEX);
    for (int cut = 1; cut < whole.length; cut++) {
      byte[] part = java.util.Arrays.copyOf(whole, cut);
      try {
        KuraPayloadCodec.decode(part);
      } catch (MalformedPayloadException expected) {
        continue;
      }
      // A cut exactly between two fields is itself a valid, shorter payload.
      assertTrue(isFieldBoundary(cut), "a cut at " + cut + " decoded");
    }
  }

  private static boolean isFieldBoundary(int cut) {
    int[] boundaries = {7, 7 + 13, 7 + 13 + 27, 7 + 13 + 27 + 17, 7 + 13 + 27 + 17 + 12};
    for (int b : boundaries) {
      if (b == cut) {
        return true;
      }
    }
    return false;
  }

  @Test
  void aCompressionBombIsRefusedAtTheLimit() throws Exception {
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(zipped)) {
      out.write(new byte[10 << 20]);
    }
    MalformedPayloadException e =
        assertThrows(
            MalformedPayloadException.class,
            () -> KuraPayloadCodec.decodeMessages(zipped.toByteArray(), 64 * 1024));
    assertTrue(e.getMessage().contains("inflates beyond"), e.getMessage());
  }

  @Test
  void aBatchWhoseCountLiesIsRefused() throws Exception {
    byte[] one = KuraPayloadCodec.encode(sample());
    byte[] body = new byte[one.length + 1];
    body[0] = (byte) one.length;
    System.arraycopy(one, 0, body, 1, one.length);
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put(KuraPayloadCodec.BATCH_METRIC, 2);
    byte[] lying = KuraPayloadCodec.encode(new KuraPayload(1L, null, metrics, body));
    MalformedPayloadException e =
        assertThrows(
            MalformedPayloadException.class, () -> KuraPayloadCodec.decodeMessages(lying, 1 << 20));
    assertTrue(e.getMessage().contains("declares 2"), e.getMessage());
  }

  @Test
  void aBatchEntryLongerThanTheBodyIsRefused() throws Exception {
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put(KuraPayloadCodec.BATCH_METRIC, 1);
    byte[] lying =
        KuraPayloadCodec.encode(new KuraPayload(1L, null, metrics, new byte[] {100, 8, 1}));
    assertThrows(
        MalformedPayloadException.class, () -> KuraPayloadCodec.decodeMessages(lying, 1 << 20));
  }

  @Test
  void valuesOfOtherTypesAreRefusedWhenBuilt() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new KuraPayload(null, null, Map.of("x", new java.util.Date()), null));
  }
}
