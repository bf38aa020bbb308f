// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.watchpost.uplink.internal.proto.KuraPayloadProto;
import org.watchpost.uplink.internal.proto.KuraPayloadProto.KuraPayload.KuraMetric;
import org.watchpost.uplink.internal.proto.KuraPayloadProto.KuraPayload.KuraMetric.ValueType;

/**
 * KuraPayload to bytes and back, and Watchpost's batch: several payloads in one publish.
 *
 * <p>A batch is itself a KuraPayload whose metric {@value #BATCH_METRIC} (int32) says how many
 * payloads its body holds, each written as a varint length followed by that many bytes; the whole
 * batch is gzip-compressed, which is how Kura marks a compressed payload (a receiver that announced
 * {@code accept_encoding=gzip} inflates any payload that starts with the gzip magic bytes).
 *
 * <p>Decoding is strict: every metric must carry the value its type names, and no name may repeat.
 */
public final class KuraPayloadCodec {
  /** The metric that marks a batch and gives its size. */
  public static final String BATCH_METRIC = "batch";

  private static final int GZIP_MAGIC_0 = 0x1f;
  private static final int GZIP_MAGIC_1 = 0x8b;

  private KuraPayloadCodec() {}

  public static byte[] encode(KuraPayload payload) {
    return toProto(payload).toByteArray();
  }

  /**
   * Decodes one uncompressed KuraPayload.
   *
   * @throws MalformedPayloadException when the bytes are not a valid KuraPayload
   */
  public static KuraPayload decode(byte[] bytes) throws MalformedPayloadException {
    KuraPayloadProto.KuraPayload proto;
    try {
      proto = KuraPayloadProto.KuraPayload.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new MalformedPayloadException(
          "not a KuraPayload (" + bytes.length + " bytes): " + e.getMessage(), e);
    }
    return fromProto(proto);
  }

  /**
   * Encodes payloads as one gzip-compressed batch.
   *
   * @param timestamp the batch's own timestamp (when it was made), epoch ms
   * @param encodedPayloads each already encoded with {@link #encode(KuraPayload)}
   */
  public static byte[] encodeBatch(long timestamp, List<byte[]> encodedPayloads) {
    if (encodedPayloads.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one payload");
    }
    try {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(body);
      for (byte[] payload : encodedPayloads) {
        out.writeUInt32NoTag(payload.length);
        out.writeRawBytes(payload);
      }
      out.flush();
      Map<String, Object> metrics = new LinkedHashMap<>();
      metrics.put(BATCH_METRIC, encodedPayloads.size());
      return gzip(encode(new KuraPayload(timestamp, null, metrics, body.toByteArray())));
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory failed", e);
    }
  }

  public static boolean isGzip(byte[] wire) {
    return wire.length >= 2 && (wire[0] & 0xff) == GZIP_MAGIC_0 && (wire[1] & 0xff) == GZIP_MAGIC_1;
  }

  /**
   * Decodes what arrived in one publish: a plain payload, a gzip-compressed payload, or a batch.
   *
   * @param maxInflatedBytes refuse a compressed payload that inflates to more than this
   * @return the payloads in the order they were written
   * @throws MalformedPayloadException for anything else, naming what was wrong
   */
  public static List<KuraPayload> decodeMessages(byte[] wire, int maxInflatedBytes)
      throws MalformedPayloadException {
    byte[] plain = isGzip(wire) ? gunzip(wire, maxInflatedBytes) : wire;
    KuraPayload outer = decode(plain);
    Object declared = outer.metric(BATCH_METRIC);
    if (declared == null) {
      return List.of(outer);
    }
    if (!(declared instanceof Integer count) || count < 1) {
      throw new MalformedPayloadException(
          "metric " + BATCH_METRIC + " must be a positive int32, was " + declared);
    }
    byte[] body = outer.body();
    if (body == null) {
      throw new MalformedPayloadException("batch of " + count + " has no body");
    }
    // Each entry takes at least one byte, so the body bounds the count before anything is
    // allocated.
    if (count > body.length) {
      throw new MalformedPayloadException(
          "batch declares " + count + " payloads in a body of " + body.length + " bytes");
    }
    List<KuraPayload> payloads = new ArrayList<>(count);
    CodedInputStream in = CodedInputStream.newInstance(body);
    try {
      while (!in.isAtEnd()) {
        int length = in.readRawVarint32();
        if (length < 0 || length > body.length - in.getTotalBytesRead()) {
          throw new MalformedPayloadException(
              "batch entry "
                  + payloads.size()
                  + " claims "
                  + length
                  + " bytes, more than the "
                  + (body.length - in.getTotalBytesRead())
                  + " left");
        }
        KuraPayload entry = decode(in.readRawBytes(length));
        if (entry.metric(BATCH_METRIC) != null) {
          throw new MalformedPayloadException(
              "batch entry " + payloads.size() + " is itself a batch");
        }
        payloads.add(entry);
        if (payloads.size() > count) {
          throw new MalformedPayloadException(
              "batch declares " + count + " payloads but holds more");
        }
      }
    } catch (MalformedPayloadException e) {
      throw e;
    } catch (IOException e) {
      throw new MalformedPayloadException(
          "batch body is cut short after " + payloads.size() + " payloads", e);
    }
    if (payloads.size() != count) {
      throw new MalformedPayloadException(
          "batch declares " + count + " payloads but holds " + payloads.size());
    }
    return payloads;
  }

  private static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream zipped = new ByteArrayOutputStream(plain.length / 2 + 32);
    try (GZIPOutputStream out = new GZIPOutputStream(zipped)) {
      out.write(plain);
    }
    return zipped.toByteArray();
  }

  private static byte[] gunzip(byte[] wire, int maxInflatedBytes) throws MalformedPayloadException {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(wire))) {
      ByteArrayOutputStream plain = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      int read;
      while ((read = in.read(buffer)) > 0) {
        if (plain.size() + read > maxInflatedBytes) {
          throw new MalformedPayloadException(
              "compressed payload of "
                  + wire.length
                  + " bytes inflates beyond the limit of "
                  + maxInflatedBytes
                  + " bytes");
        }
        plain.write(buffer, 0, read);
      }
      return plain.toByteArray();
    } catch (MalformedPayloadException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new MalformedPayloadException(
          "bad gzip data (" + wire.length + " bytes): " + e.getMessage(), e);
    }
  }

  private static KuraPayloadProto.KuraPayload toProto(KuraPayload payload) {
    KuraPayloadProto.KuraPayload.Builder builder = KuraPayloadProto.KuraPayload.newBuilder();
    if (payload.timestamp() != null) {
      builder.setTimestamp(payload.timestamp());
    }
    if (payload.position() != null) {
      builder.setPosition(toProto(payload.position()));
    }
    payload.metrics().forEach((name, value) -> builder.addMetric(toProto(name, value)));
    if (payload.body() != null) {
      builder.setBody(ByteString.copyFrom(payload.body()));
    }
    return builder.build();
  }

  private static KuraMetric toProto(String name, Object value) {
    KuraMetric.Builder metric = KuraMetric.newBuilder().setName(name);
    if (value instanceof Double d) {
      metric.setType(ValueType.DOUBLE).setDoubleValue(d);
    } else if (value instanceof Float f) {
      metric.setType(ValueType.FLOAT).setFloatValue(f);
    } else if (value instanceof Long l) {
      metric.setType(ValueType.INT64).setLongValue(l);
    } else if (value instanceof Integer i) {
      metric.setType(ValueType.INT32).setIntValue(i);
    } else if (value instanceof Boolean b) {
      metric.setType(ValueType.BOOL).setBoolValue(b);
    } else if (value instanceof String s) {
      metric.setType(ValueType.STRING).setStringValue(s);
    } else if (value instanceof byte[] b) {
      metric.setType(ValueType.BYTES).setBytesValue(ByteString.copyFrom(b));
    } else {
      throw new IllegalArgumentException(
          "metric " + name + ": no Kura type for " + value.getClass().getName());
    }
    return metric.build();
  }

  private static KuraPayloadProto.KuraPayload.KuraPosition toProto(KuraPosition position) {
    var builder =
        KuraPayloadProto.KuraPayload.KuraPosition.newBuilder()
            .setLatitude(position.latitude())
            .setLongitude(position.longitude());
    if (position.altitude() != null) {
      builder.setAltitude(position.altitude());
    }
    if (position.precision() != null) {
      builder.setPrecision(position.precision());
    }
    if (position.heading() != null) {
      builder.setHeading(position.heading());
    }
    if (position.speed() != null) {
      builder.setSpeed(position.speed());
    }
    if (position.timestamp() != null) {
      builder.setTimestamp(position.timestamp());
    }
    if (position.satellites() != null) {
      builder.setSatellites(position.satellites());
    }
    if (position.status() != null) {
      builder.setStatus(position.status());
    }
    return builder.build();
  }

  private static KuraPayload fromProto(KuraPayloadProto.KuraPayload proto)
      throws MalformedPayloadException {
    Map<String, Object> metrics = new LinkedHashMap<>();
    for (KuraMetric metric : proto.getMetricList()) {
      Object value = valueOf(metric);
      if (metrics.put(metric.getName(), value) != null) {
        throw new MalformedPayloadException(
            "metric " + metric.getName() + " appears more than once");
      }
    }
    KuraPosition position = null;
    if (proto.hasPosition()) {
      var p = proto.getPosition();
      position =
          new KuraPosition(
              p.getLatitude(),
              p.getLongitude(),
              p.hasAltitude() ? p.getAltitude() : null,
              p.hasPrecision() ? p.getPrecision() : null,
              p.hasHeading() ? p.getHeading() : null,
              p.hasSpeed() ? p.getSpeed() : null,
              p.hasTimestamp() ? p.getTimestamp() : null,
              p.hasSatellites() ? p.getSatellites() : null,
              p.hasStatus() ? p.getStatus() : null);
    }
    return new KuraPayload(
        proto.hasTimestamp() ? proto.getTimestamp() : null,
        position,
        metrics,
        proto.hasBody() ? proto.getBody().toByteArray() : null);
  }

  private static Object valueOf(KuraMetric metric) throws MalformedPayloadException {
    boolean present =
        switch (metric.getType()) {
          case DOUBLE -> metric.hasDoubleValue();
          case FLOAT -> metric.hasFloatValue();
          case INT64 -> metric.hasLongValue();
          case INT32 -> metric.hasIntValue();
          case BOOL -> metric.hasBoolValue();
          case STRING -> metric.hasStringValue();
          case BYTES -> metric.hasBytesValue();
        };
    if (!present) {
      throw new MalformedPayloadException(
          "metric "
              + metric.getName()
              + " of type "
              + metric.getType()
              + " carries no "
              + metric.getType()
              + " value");
    }
    return switch (metric.getType()) {
      case DOUBLE -> metric.getDoubleValue();
      case FLOAT -> metric.getFloatValue();
      case INT64 -> metric.getLongValue();
      case INT32 -> metric.getIntValue();
      case BOOL -> metric.getBoolValue();
      case STRING -> metric.getStringValue();
      case BYTES -> metric.getBytesValue().toByteArray();
    };
  }
}
