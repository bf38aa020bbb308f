// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.watchpost.quantize.onnx.Onnx.ModelProto;

/**
 * Reads and writes ONNX model files, bounded: a file is refused before it can exhaust memory or the
 * stack.
 */
public final class OnnxFiles {
  /**
   * Largest model accepted: protobuf itself cannot go beyond 2 GiB, and a camera model is a few
   * megabytes.
   */
  public static final long MAX_MODEL_BYTES = 512L * 1024 * 1024;

  /** Deepest message nesting accepted (graphs inside attributes inside graphs...). */
  public static final int MAX_NESTING = 64;

  private OnnxFiles() {}

  public static ModelProto read(Path file) throws QuantizeException {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new QuantizeException("cannot read model " + file + ": " + e.getMessage(), e);
    }
    if (size > MAX_MODEL_BYTES) {
      throw new QuantizeException(
          "model "
              + file
              + " is "
              + size
              + " bytes, more than the "
              + MAX_MODEL_BYTES
              + " accepted");
    }
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in.readNBytes((int) size), file.toString());
    } catch (IOException e) {
      throw new QuantizeException("cannot read model " + file + ": " + e.getMessage(), e);
    }
  }

  public static ModelProto parse(byte[] bytes, String origin) throws QuantizeException {
    if (bytes.length > MAX_MODEL_BYTES) {
      throw new QuantizeException(
          "model " + origin + " is larger than " + MAX_MODEL_BYTES + " bytes");
    }
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    in.setRecursionLimit(MAX_NESTING);
    in.setSizeLimit(bytes.length);
    try {
      ModelProto model = ModelProto.parseFrom(in);
      in.checkLastTagWas(0);
      if (!model.hasGraph()) {
        throw new QuantizeException("model " + origin + " has no graph (not an ONNX model?)");
      }
      return model;
    } catch (InvalidProtocolBufferException e) {
      throw new QuantizeException(
          "model " + origin + " is not a valid ONNX file: " + e.getMessage(), e);
    } catch (java.io.IOException e) {
      throw new QuantizeException(
          "model " + origin + " is not a valid ONNX file: " + e.getMessage(), e);
    }
  }

  /** Writes beside the target and renames, so a reader never sees half a model. */
  public static void write(ModelProto model, Path file) throws QuantizeException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (OutputStream out = Files.newOutputStream(partial)) {
        model.writeTo(out);
      }
      Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new QuantizeException("cannot write model " + file + ": " + e.getMessage(), e);
    }
  }
}
