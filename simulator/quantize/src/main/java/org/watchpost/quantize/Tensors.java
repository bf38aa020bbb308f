// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.watchpost.quantize.onnx.Onnx.TensorProto;

/** Conversions between ONNX initializers and Java arrays; ONNX's raw data is little-endian. */
final class Tensors {
  private Tensors() {}

  static boolean isFloat(TensorProto tensor) {
    return tensor.getDataType() == TensorProto.DataType.FLOAT_VALUE;
  }

  static long elements(TensorProto tensor) {
    long n = 1;
    for (long d : tensor.getDimsList()) {
      n *= d;
    }
    return n;
  }

  static float[] floats(TensorProto tensor) throws QuantizeException {
    if (!isFloat(tensor)) {
      throw new QuantizeException("initializer " + tensor.getName() + " is not float32");
    }
    if (tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      throw new QuantizeException(
          "initializer "
              + tensor.getName()
              + " keeps its data in an external file, which is not supported");
    }
    long n = elements(tensor);
    if (n > Integer.MAX_VALUE) {
      throw new QuantizeException("initializer " + tensor.getName() + " is too large");
    }
    float[] values = new float[(int) n];
    if (tensor.hasRawData()) {
      ByteBuffer raw = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      if (raw.remaining() != n * Float.BYTES) {
        throw new QuantizeException(
            "initializer "
                + tensor.getName()
                + " has "
                + raw.remaining()
                + " bytes for "
                + n
                + " floats");
      }
      raw.asFloatBuffer().get(values);
    } else {
      if (tensor.getFloatDataCount() != n) {
        throw new QuantizeException(
            "initializer "
                + tensor.getName()
                + " has "
                + tensor.getFloatDataCount()
                + " values for "
                + n
                + " elements");
      }
      for (int i = 0; i < n; i++) {
        values[i] = tensor.getFloatData(i);
      }
    }
    return values;
  }

  static TensorProto int8(String name, List<Long> dims, byte[] values) {
    return TensorProto.newBuilder()
        .setName(name)
        .addAllDims(dims)
        .setDataType(TensorProto.DataType.INT8_VALUE)
        .setRawData(ByteString.copyFrom(values))
        .build();
  }

  static TensorProto uint8Scalar(String name, int value) {
    return TensorProto.newBuilder()
        .setName(name)
        .setDataType(TensorProto.DataType.UINT8_VALUE)
        .setRawData(ByteString.copyFrom(new byte[] {(byte) value}))
        .build();
  }

  static TensorProto int8Zeros(String name, int count, boolean scalar) {
    TensorProto.Builder b =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.INT8_VALUE)
            .setRawData(ByteString.copyFrom(new byte[count]));
    if (!scalar) {
      b.addDims(count);
    }
    return b.build();
  }

  static TensorProto int32Zeros(String name, int count) {
    return TensorProto.newBuilder()
        .setName(name)
        .setDataType(TensorProto.DataType.INT32_VALUE)
        .addDims(count)
        .setRawData(ByteString.copyFrom(new byte[count * Integer.BYTES]))
        .build();
  }

  static TensorProto int32(String name, List<Long> dims, int[] values) {
    ByteBuffer raw =
        ByteBuffer.allocate(values.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    raw.asIntBuffer().put(values);
    return TensorProto.newBuilder()
        .setName(name)
        .addAllDims(dims)
        .setDataType(TensorProto.DataType.INT32_VALUE)
        .setRawData(ByteString.copyFrom(raw.array()))
        .build();
  }

  static TensorProto floatVector(String name, float[] values, boolean scalar) {
    ByteBuffer raw =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    TensorProto.Builder b =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.FLOAT_VALUE)
            .setRawData(ByteString.copyFrom(raw.array()));
    if (!scalar) {
      b.addDims(values.length);
    }
    return b.build();
  }
}
