// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Reads what the codec writes with a reading of the Kura schema made here, from the protobuf wire
 * rules alone (varints, wire types 0/1/2/5), without the generated classes: the encoder cannot be
 * checked against itself.
 */
class IndependentWireReadingTest {

  /** One field as it appears on the wire. */
  private record Field(int number, int wireType, long varint, byte[] bytes) {}

  private static final class Reader {
    private final byte[] data;
    private int pos;

    Reader(byte[] data) {
      this.data = data;
    }

    boolean atEnd() {
      return pos >= data.length;
    }

    long varint() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = data[pos++];
        value |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new IllegalStateException("varint longer than 10 bytes");
    }

    byte[] take(int n) {
      byte[] out = java.util.Arrays.copyOfRange(data, pos, pos + n);
      pos += n;
      return out;
    }

    Field field() {
      long key = varint();
      int number = (int) (key >>> 3);
      int wireType = (int) (key & 7);
      return switch (wireType) {
        case 0 -> new Field(number, 0, varint(), null);
        case 1 -> new Field(number, 1, 0, take(8));
        case 2 -> new Field(number, 2, 0, take((int) varint()));
        case 5 -> new Field(number, 5, 0, take(4));
        default -> throw new IllegalStateException("wire type " + wireType + " at field " + number);
      };
    }

    List<Field> all() {
      List<Field> fields = new ArrayList<>();
      while (!atEnd()) {
        fields.add(field());
      }
      return fields;
    }
  }

  private static double f64(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getDouble();
  }

  private static float f32(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getFloat();
  }

  /**
   * Reads a metric (field 5000) the way the Kura schema defines it: name = 1, type = 2, value 3..9.
   */
  private static Map.Entry<String, Object> metric(byte[] bytes) {
    String name = null;
    Integer type = null;
    Object value = null;
    for (Field f : new Reader(bytes).all()) {
      switch (f.number()) {
        case 1 -> name = new String(f.bytes(), StandardCharsets.UTF_8);
        case 2 -> type = (int) f.varint();
        case 3 -> value = f64(f.bytes());
        case 4 -> value = f32(f.bytes());
        case 5 -> value = f.varint();
        case 6 -> value = (int) f.varint();
        case 7 -> value = f.varint() != 0;
        case 8 -> value = new String(f.bytes(), StandardCharsets.UTF_8);
        case 9 -> value = f.bytes();
        default -> fail("unexpected field " + f.number() + " in a metric");
      }
    }
    assertTrue(
        name != null && type != null && value != null, "name, type and value are all present");
    int expectedType =
        value instanceof Double
            ? 0
            : value instanceof Float
                ? 1
                : value instanceof Long
                    ? 2
                    : value instanceof Integer
                        ? 3
                        : value instanceof Boolean ? 4 : value instanceof String ? 5 : 6;
    assertEquals(expectedType, type, "type of metric " + name);
    return Map.entry(name, value);
  }

  @Test
  void everyFieldSitsWhereTheSchemaPutsIt() {
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("seq", 9_000_000_000L);
    metrics.put("rule", "north-gate");
    metrics.put("conf", 0.5f);
    metrics.put("ratio", 0.25);
    metrics.put("track", 17);
    metrics.put("alarm", true);
    metrics.put("crop", new byte[] {(byte) 0xff, (byte) 0xd8});
    KuraPosition position = new KuraPosition(-33.5, 151.25, 10.0, null, null, null, 123L, 7, null);
    byte[] wire =
        KuraPayloadCodec.encode(
            new KuraPayload(1_764_000_000_000L, position, metrics, new byte[] {9}));

    List<Field> fields = new Reader(wire).all();
    assertEquals(1, fields.get(0).number());
    assertEquals(0, fields.get(0).wireType());
    assertEquals(1_764_000_000_000L, fields.get(0).varint());

    assertEquals(2, fields.get(1).number());
    Map<Integer, Field> pos = new LinkedHashMap<>();
    new Reader(fields.get(1).bytes()).all().forEach(f -> pos.put(f.number(), f));
    assertEquals(-33.5, f64(pos.get(1).bytes()));
    assertEquals(151.25, f64(pos.get(2).bytes()));
    assertEquals(10.0, f64(pos.get(3).bytes()));
    assertEquals(123L, pos.get(7).varint());
    assertEquals(7L, pos.get(8).varint());
    assertEquals(List.of(1, 2, 3, 7, 8), new ArrayList<>(pos.keySet()));

    Map<String, Object> read = new LinkedHashMap<>();
    for (Field f : fields.subList(2, fields.size() - 1)) {
      assertEquals(5000, f.number());
      assertEquals(2, f.wireType());
      Map.Entry<String, Object> m = metric(f.bytes());
      read.put(m.getKey(), m.getValue());
    }
    assertEquals(List.copyOf(metrics.keySet()), List.copyOf(read.keySet()));
    assertEquals(9_000_000_000L, read.get("seq"));
    assertEquals("north-gate", read.get("rule"));
    assertEquals(0.5f, read.get("conf"));
    assertEquals(0.25, read.get("ratio"));
    assertEquals(17, read.get("track"));
    assertEquals(true, read.get("alarm"));
    assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xd8}, (byte[]) read.get("crop"));

    Field body = fields.get(fields.size() - 1);
    assertEquals(5001, body.number());
    assertArrayEquals(new byte[] {9}, body.bytes());
  }

  @Test
  void aBatchIsGzipOfAPayloadWhoseBodyHoldsLengthPrefixedPayloads() throws IOException {
    List<byte[]> entries = new ArrayList<>();
    for (long seq = 100; seq < 105; seq++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("seq", seq);
      entries.add(KuraPayloadCodec.encode(new KuraPayload(seq, null, m, null)));
    }
    byte[] wire = KuraPayloadCodec.encodeBatch(5L, entries);
    byte[] plain;
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(wire))) {
      plain = in.readAllBytes();
    }
    List<Field> outer = new Reader(plain).all();
    assertEquals(5L, outer.get(0).varint());
    Map.Entry<String, Object> batch = metric(outer.get(1).bytes());
    assertEquals(Map.entry("batch", 5), batch);
    Field body = outer.get(2);
    assertEquals(5001, body.number());

    Reader inner = new Reader(body.bytes());
    long expectedSeq = 100;
    while (!inner.atEnd()) {
      byte[] entry = inner.take((int) inner.varint());
      List<Field> fields = new Reader(entry).all();
      assertEquals(expectedSeq, fields.get(0).varint());
      assertEquals(Map.entry("seq", expectedSeq), metric(fields.get(1).bytes()));
      expectedSeq++;
    }
    assertEquals(105, expectedSeq);
  }
}
