// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A camera baseline as a small JSON document (readable by an operator; the reference view is base64
 * grey). Decoding is bounded and checks every field, so a damaged file is refused with a reason,
 * never half-used.
 */
final class BaselineCodec {
  static final String FORMAT = "watchpost-camera-baseline";
  static final int VERSION = 1;

  /** Far above a real baseline (about 40 KB), far below what could hurt a device. */
  static final int MAX_BYTES = 256 * 1024;

  private static final int MAX_REFERENCE_SIDE = 512;

  private BaselineCodec() {}

  static byte[] encode(StoredBaseline stored) {
    Baseline b = stored.baseline();
    StringWriter text = new StringWriter();
    try (JsonWriter json = new JsonWriter(text)) {
      json.setIndent(" ");
      json.beginObject();
      json.name("format").value(FORMAT);
      json.name("version").value(VERSION);
      json.name("camera").value(stored.cameraId());
      json.name("frame_width").value(b.frameWidth());
      json.name("frame_height").value(b.frameHeight());
      json.name("mean_luma").value(finite(b.meanLuma(), "mean_luma"));
      json.name("saturated_share").value(finite(b.saturatedShare(), "saturated_share"));
      json.name("sharpness").value(finite(b.sharpness(), "sharpness"));
      json.name("difference_floor").value(finite(b.differenceFloor(), "difference_floor"));
      json.name("fps").value(finite(b.fps(), "fps"));
      json.name("samples").value(b.samples());
      json.name("learned_at_millis").value(b.learnedAtMillis());
      json.name("grid_columns").value(FrameAnalyzer.GRID_COLUMNS);
      json.name("grid_rows").value(FrameAnalyzer.GRID_ROWS);
      json.name("cell_std").beginArray();
      for (double value : b.cellStd()) {
        json.value(finite(value, "cell_std"));
      }
      json.endArray();
      json.name("reference_width").value(stored.referenceWidth());
      json.name("reference_height").value(stored.referenceHeight());
      json.name("reference").value(Base64.getEncoder().encodeToString(stored.reference()));
      json.endObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static double finite(double value, String name) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("baseline " + name + " is not a finite number: " + value);
    }
    return value;
  }

  static StoredBaseline decode(byte[] bytes) throws BaselineFormatException {
    if (bytes.length > MAX_BYTES) {
      throw new BaselineFormatException(
          "baseline file of " + bytes.length + " bytes exceeds " + MAX_BYTES);
    }
    JsonObject root;
    try (JsonReader reader =
        new JsonReader(new StringReader(new String(bytes, StandardCharsets.UTF_8)))) {
      reader.setStrictness(Strictness.STRICT);
      JsonElement element = JsonParser.parseReader(reader);
      // A strict reader refuses anything after the object but whitespace.
      reader.peek();
      if (!element.isJsonObject()) {
        throw new BaselineFormatException("baseline file is not a JSON object");
      }
      root = element.getAsJsonObject();
    } catch (JsonParseException | IOException | IllegalStateException e) {
      throw new BaselineFormatException("baseline file is not valid JSON: " + e.getMessage(), e);
    }
    if (!FORMAT.equals(string(root, "format"))) {
      throw new BaselineFormatException("not a " + FORMAT + " file");
    }
    long version = integer(root, "version", 1, Integer.MAX_VALUE);
    if (version != VERSION) {
      throw new BaselineFormatException("baseline version " + version + " is not " + VERSION);
    }
    String camera = string(root, "camera");
    int frameWidth = (int) integer(root, "frame_width", 1, 16384);
    int frameHeight = (int) integer(root, "frame_height", 1, 16384);
    double meanLuma = number(root, "mean_luma", 0, 255);
    double saturatedShare = number(root, "saturated_share", 0, 1);
    double sharpness = number(root, "sharpness", 0, 10_000);
    double differenceFloor = number(root, "difference_floor", 0, 255);
    double fps = number(root, "fps", 0, 10_000);
    int samples = (int) integer(root, "samples", 1, Integer.MAX_VALUE);
    long learnedAt = integer(root, "learned_at_millis", Long.MIN_VALUE, Long.MAX_VALUE);
    long columns = integer(root, "grid_columns", 1, 64);
    long rows = integer(root, "grid_rows", 1, 64);
    if (columns != FrameAnalyzer.GRID_COLUMNS || rows != FrameAnalyzer.GRID_ROWS) {
      throw new BaselineFormatException(
          "baseline grid "
              + columns
              + "x"
              + rows
              + " is not "
              + FrameAnalyzer.GRID_COLUMNS
              + "x"
              + FrameAnalyzer.GRID_ROWS);
    }
    JsonArray cells = array(root, "cell_std");
    if (cells.size() != columns * rows) {
      throw new BaselineFormatException(
          "cell_std has " + cells.size() + " values, not " + columns * rows);
    }
    double[] cellStd = new double[cells.size()];
    for (int i = 0; i < cellStd.length; i++) {
      cellStd[i] = number(cells.get(i), "cell_std[" + i + "]", 0, 255);
    }
    int referenceWidth = (int) integer(root, "reference_width", 1, MAX_REFERENCE_SIDE);
    int referenceHeight = (int) integer(root, "reference_height", 1, MAX_REFERENCE_SIDE);
    byte[] reference;
    try {
      reference = Base64.getDecoder().decode(string(root, "reference"));
    } catch (IllegalArgumentException e) {
      throw new BaselineFormatException("reference is not base64: " + e.getMessage());
    }
    if (reference.length != referenceWidth * referenceHeight) {
      throw new BaselineFormatException(
          "reference holds "
              + reference.length
              + " bytes, not "
              + referenceWidth
              + "x"
              + referenceHeight);
    }
    return new StoredBaseline(
        camera,
        new Baseline(
            frameWidth,
            frameHeight,
            meanLuma,
            saturatedShare,
            sharpness,
            differenceFloor,
            fps,
            cellStd,
            samples,
            learnedAt),
        referenceWidth,
        referenceHeight,
        reference);
  }

  private static JsonElement field(JsonObject root, String name) throws BaselineFormatException {
    JsonElement element = root.get(name);
    if (element == null || element.isJsonNull()) {
      throw new BaselineFormatException("baseline field " + name + " is missing");
    }
    return element;
  }

  private static String string(JsonObject root, String name) throws BaselineFormatException {
    JsonElement element = field(root, name);
    if (!(element instanceof JsonPrimitive primitive) || !primitive.isString()) {
      throw new BaselineFormatException("baseline field " + name + " is not a string");
    }
    return primitive.getAsString();
  }

  private static JsonArray array(JsonObject root, String name) throws BaselineFormatException {
    JsonElement element = field(root, name);
    if (!element.isJsonArray()) {
      throw new BaselineFormatException("baseline field " + name + " is not an array");
    }
    return element.getAsJsonArray();
  }

  private static double number(JsonObject root, String name, double min, double max)
      throws BaselineFormatException {
    return number(field(root, name), name, min, max);
  }

  private static double number(JsonElement element, String name, double min, double max)
      throws BaselineFormatException {
    if (!(element instanceof JsonPrimitive primitive) || !primitive.isNumber()) {
      throw new BaselineFormatException("baseline field " + name + " is not a number");
    }
    double value;
    try {
      value = primitive.getAsDouble();
    } catch (NumberFormatException e) {
      throw new BaselineFormatException(
          "baseline field " + name + " is not a number: " + e.getMessage());
    }
    if (!(value >= min && value <= max)) {
      throw new BaselineFormatException(
          "baseline field " + name + " = " + value + " is outside " + min + ".." + max);
    }
    return value;
  }

  private static long integer(JsonObject root, String name, long min, long max)
      throws BaselineFormatException {
    JsonElement element = field(root, name);
    if (!(element instanceof JsonPrimitive primitive) || !primitive.isNumber()) {
      throw new BaselineFormatException("baseline field " + name + " is not a number");
    }
    long value;
    try {
      value = primitive.getAsBigDecimal().longValueExact();
    } catch (ArithmeticException | NumberFormatException e) {
      throw new BaselineFormatException(
          "baseline field " + name + " is not a whole number in range: " + primitive);
    }
    if (value < min || value > max) {
      throw new BaselineFormatException(
          "baseline field " + name + " = " + value + " is outside " + min + ".." + max);
    }
    return value;
  }
}
