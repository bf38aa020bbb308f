// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A tiny ONNX model written field by field (onnx.proto numbers), with the YOLOX contract of a 32x32
 * input: {@code output = C + 0 * mean(images)}, C a constant [1, 21, 85] tensor. What C holds
 * decides whether the model finds one person, returns garbage or NaN: loads in milliseconds, so
 * package tests do not wait for the real weights.
 */
public final class TinyOnnx {
  public static final int SIZE = 32;
  public static final int ROWS = 21;
  public static final int ROW_LENGTH = 85;

  private TinyOnnx() {}

  /** One person over the whole input (row 20: stride 32, cell 0,0), everything else background. */
  public static float[] onePerson() {
    float[] c = new float[ROWS * ROW_LENGTH];
    for (int row = 0; row < ROWS; row++) {
      c[row * ROW_LENGTH + 4] = 0.01f;
    }
    int at = 20 * ROW_LENGTH;
    c[at] = 0.5f;
    c[at + 1] = 0.5f;
    c[at + 2] = 0f;
    c[at + 3] = 0f;
    c[at + 4] = 0.95f;
    c[at + 5] = 0.95f;
    return c;
  }

  /** Fires everywhere: every row a confident person. */
  public static float[] everywhere() {
    float[] c = new float[ROWS * ROW_LENGTH];
    for (int row = 0; row < ROWS; row++) {
      c[row * ROW_LENGTH + 4] = 0.99f;
      c[row * ROW_LENGTH + 5] = 0.99f;
    }
    return c;
  }

  public static float[] notANumber() {
    float[] c = onePerson();
    Arrays.fill(c, 100, 200, Float.NaN);
    return c;
  }

  public static byte[] model(float[] constant) {
    return model(constant, new long[] {1, ROWS, ROW_LENGTH});
  }

  public static byte[] model(float[] constant, long[] outputShape) {
    byte[] graph =
        message(
            out -> {
              out.writeBytes(
                  1,
                  node(
                      new String[] {"images"},
                      "m",
                      "ReduceMean",
                      ints("axes", 1, 2, 3),
                      intAttr("keepdims", 0)));
              out.writeBytes(1, node(new String[] {"m", "Z"}, "mz", "Mul"));
              out.writeBytes(1, node(new String[] {"C", "mz"}, "output", "Add"));
              out.writeString(2, "tiny");
              out.writeBytes(5, tensor("C", outputShape, constant));
              out.writeBytes(5, tensor("Z", new long[] {1}, new float[] {0}));
              out.writeBytes(11, valueInfo("images", new long[] {1, 3, SIZE, SIZE}));
              out.writeBytes(12, valueInfo("output", outputShape));
            });
    return message(
        out -> {
          out.writeInt64(1, 7);
          out.writeString(2, "watchpost-test");
          out.writeBytes(7, graph);
          out.writeBytes(
              8,
              message(
                  op -> {
                    op.writeString(1, "");
                    op.writeInt64(2, 13);
                  }));
        });
  }

  /**
   * The protobuf wire format, as much of it as ONNX needs: varints, 32-bit floats, length-delimited
   * fields.
   */
  private static final class Out {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private void varint(long value) {
      while ((value & ~0x7FL) != 0) {
        bytes.write((int) ((value & 0x7F) | 0x80));
        value >>>= 7;
      }
      bytes.write((int) value);
    }

    void writeInt64(int field, long value) {
      varint((long) field << 3);
      varint(value);
    }

    void writeInt32(int field, int value) {
      writeInt64(field, value);
    }

    void writeEnum(int field, int value) {
      writeInt64(field, value);
    }

    void writeBytes(int field, byte[] value) {
      varint(((long) field << 3) | 2);
      varint(value.length);
      bytes.writeBytes(value);
    }

    void writeString(int field, String value) {
      writeBytes(field, value.getBytes(StandardCharsets.UTF_8));
    }
  }

  private interface Body {
    void write(Out out);
  }

  private static byte[] message(Body body) {
    Out out = new Out();
    body.write(out);
    return out.bytes.toByteArray();
  }

  private static byte[] node(String[] inputs, String output, String op, byte[]... attributes) {
    return message(
        out -> {
          for (String in : inputs) {
            out.writeString(1, in);
          }
          out.writeString(2, output);
          out.writeString(3, op + "_" + output);
          out.writeString(4, op);
          for (byte[] a : attributes) {
            out.writeBytes(5, a);
          }
        });
  }

  private static byte[] ints(String name, long... values) {
    return message(
        out -> {
          out.writeString(1, name);
          for (long v : values) {
            out.writeInt64(8, v);
          }
          out.writeEnum(20, 7);
        });
  }

  private static byte[] intAttr(String name, long value) {
    return message(
        out -> {
          out.writeString(1, name);
          out.writeInt64(3, value);
          out.writeEnum(20, 2);
        });
  }

  private static byte[] tensor(String name, long[] dims, float[] values) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      raw.putFloat(v);
    }
    return message(
        out -> {
          for (long d : dims) {
            out.writeInt64(1, d);
          }
          out.writeInt32(2, 1);
          out.writeString(8, name);
          out.writeBytes(9, raw.array());
        });
  }

  private static byte[] valueInfo(String name, long[] dims) {
    byte[] shape =
        message(
            out -> {
              for (long d : dims) {
                out.writeBytes(1, message(dim -> dim.writeInt64(1, d)));
              }
            });
    byte[] tensorType =
        message(
            out -> {
              out.writeInt32(1, 1);
              out.writeBytes(2, shape);
            });
    return message(
        out -> {
          out.writeString(1, name);
          out.writeBytes(2, message(type -> type.writeBytes(1, tensorType)));
        });
  }
}
