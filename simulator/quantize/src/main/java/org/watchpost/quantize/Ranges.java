// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The calibration cache: each activation's observed range, with what it was calibrated on. Kept as
 * a file (like TensorRT's calibration cache) so that building the INT8 model from the FP32 one is
 * pure arithmetic and gives the same bytes on every machine, which is what lets {@code
 * models/fetch} pin its SHA-256.
 *
 * @param format 1
 * @param modelSha256 SHA-256 of the FP32 model the ranges belong to
 * @param method how a range was taken from the frames ({@code minmax})
 * @param frames how many frames were seen
 * @param source what the frames were (paths, for the record)
 * @param ranges activation name to {min, max}
 */
public record Ranges(
    int format,
    String modelSha256,
    String method,
    int frames,
    String source,
    Map<String, float[]> ranges) {
  public static final int MAX_BYTES = 8 * 1024 * 1024;

  public Ranges {
    ranges = new TreeMap<>(ranges);
  }

  public float[] get(String tensor) {
    float[] r = ranges.get(tensor);
    return r == null ? null : r.clone();
  }

  public void write(Path file) throws QuantizeException {
    Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    try {
      Files.writeString(file, gson.toJson(this) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new QuantizeException(
          "cannot write calibration ranges " + file + ": " + e.getMessage(), e);
    }
  }

  public static Ranges read(Path file) throws QuantizeException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (IOException e) {
      throw new QuantizeException(
          "cannot read calibration ranges " + file + ": " + e.getMessage(), e);
    }
    if (bytes.length > MAX_BYTES) {
      throw new QuantizeException(
          "calibration ranges " + file + " are larger than " + MAX_BYTES + " bytes");
    }
    Ranges ranges;
    try {
      ranges = new Gson().fromJson(new String(bytes, StandardCharsets.UTF_8), Ranges.class);
    } catch (JsonParseException
        | IllegalStateException
        | NumberFormatException
        | StackOverflowError e) {
      throw new QuantizeException(
          "calibration ranges " + file + " are not valid: " + e.getMessage());
    }
    if (ranges == null || ranges.format() != 1 || ranges.ranges() == null) {
      throw new QuantizeException("calibration ranges " + file + " are not format 1");
    }
    for (Map.Entry<String, float[]> e : ranges.ranges().entrySet()) {
      float[] r = e.getValue();
      if (r == null
          || r.length != 2
          || !Float.isFinite(r[0])
          || !Float.isFinite(r[1])
          || r[0] > r[1]) {
        throw new QuantizeException(
            "calibration ranges " + file + ": " + e.getKey() + " is not [min, max]");
      }
    }
    return ranges;
  }
}
