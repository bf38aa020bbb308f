// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.annotations.SerializedName;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A model's manifest ({@code manifest.json} beside the weights): identity, the hashes the files
 * must have, and the input/output contract the decoder relies on.
 */
public record ModelManifest(
    int format,
    String name,
    String version,
    String created,
    String license,
    ModelFile model,
    LabelsFile labels,
    InputSpec input,
    OutputSpec output,
    @SerializedName("min_runtime") String minRuntime,
    List<String> platforms) {

  /** A manifest is a few kilobytes; anything far larger is not one. */
  public static final int MAX_BYTES = 256 * 1024;

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SAFE_FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern VERSION =
      Pattern.compile("\\d{1,6}\\.\\d{1,6}\\.\\d{1,6}([-+][0-9A-Za-z.-]{1,64})?");

  public record ModelFile(
      String file, String sha256, long size, String origin, List<Equivalent> equivalents) {}

  /**
   * Another export of the same weights with the same contract (e.g. the upstream release asset).
   */
  public record Equivalent(String sha256, long size, String origin, String url) {}

  public record LabelsFile(String file, String sha256) {}

  public record InputSpec(
      String name,
      String type,
      List<Integer> shape,
      String channels,
      List<Integer> range,
      Letterbox letterbox) {
    public int height() {
      return shape.get(2);
    }

    public int width() {
      return shape.get(3);
    }
  }

  public record Letterbox(String anchor, int pad) {}

  public record OutputSpec(
      String name, String type, List<Integer> shape, String decoder, List<Integer> strides) {
    public int rows() {
      return shape.get(1);
    }

    public int rowLength() {
      return shape.get(2);
    }
  }

  public static ModelManifest read(Path path) throws ModelException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(path)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (IOException e) {
      throw new ModelException("cannot read model manifest " + path + ": " + e.getMessage(), e);
    }
    if (bytes.length > MAX_BYTES) {
      throw new ModelException(
          "model manifest " + path + " is larger than " + MAX_BYTES + " bytes");
    }
    return parse(new String(bytes, StandardCharsets.UTF_8), path.toString());
  }

  /** Parses and checks a manifest; every problem names the manifest and the field. */
  public static ModelManifest parse(String json, String origin) throws ModelException {
    if (json.length() > MAX_BYTES) {
      throw new ModelException(
          "model manifest " + origin + " is larger than " + MAX_BYTES + " bytes");
    }
    ModelManifest manifest;
    try {
      manifest = new Gson().fromJson(json, ModelManifest.class);
    } catch (JsonParseException | IllegalStateException | NumberFormatException e) {
      throw new ModelException(
          "model manifest " + origin + " is not valid JSON: " + e.getMessage(), e);
    } catch (StackOverflowError e) {
      throw new ModelException("model manifest " + origin + " is nested too deeply");
    }
    if (manifest == null) {
      throw new ModelException("model manifest " + origin + " is empty");
    }
    manifest.check(origin);
    return manifest;
  }

  private void check(String origin) throws ModelException {
    require(format == 1, origin, "format", "must be 1, was " + format);
    require(
        name != null && SAFE_FILE_NAME.matcher(name).matches(),
        origin,
        "name",
        "must be a simple name");
    require(
        version != null && VERSION.matcher(version).matches(),
        origin,
        "version",
        "must be a semantic version");
    require(model != null, origin, "model", "is missing");
    require(
        model.file() != null && SAFE_FILE_NAME.matcher(model.file()).matches(),
        origin,
        "model.file",
        "must be a plain file name beside the manifest");
    require(
        model.sha256() != null && SHA256.matcher(model.sha256()).matches(),
        origin,
        "model.sha256",
        "must be 64 lower-case hex digits");
    require(model.size() > 0, origin, "model.size", "must be positive");
    if (model.equivalents() != null) {
      for (Equivalent equivalent : model.equivalents()) {
        require(
            equivalent != null
                && equivalent.sha256() != null
                && SHA256.matcher(equivalent.sha256()).matches(),
            origin,
            "model.equivalents[].sha256",
            "must be 64 lower-case hex digits");
      }
    }
    require(
        labels != null && labels.file() != null && SAFE_FILE_NAME.matcher(labels.file()).matches(),
        origin,
        "labels.file",
        "must be a plain file name beside the manifest");
    require(
        labels.sha256() != null && SHA256.matcher(labels.sha256()).matches(),
        origin,
        "labels.sha256",
        "must be 64 lower-case hex digits");
    require(
        input != null && input.shape() != null && input.shape().size() == 4,
        origin,
        "input.shape",
        "must be [1, 3, height, width]");
    require(
        input.shape().get(0) == 1 && input.shape().get(1) == 3,
        origin,
        "input.shape",
        "must be [1, 3, height, width]");
    require(
        input.height() >= 32
            && input.height() <= 4096
            && input.width() >= 32
            && input.width() <= 4096,
        origin,
        "input.shape",
        "height and width must be 32..4096");
    require("float32".equals(input.type()), origin, "input.type", "must be float32");
    require(
        "BGR".equals(input.channels()) || "RGB".equals(input.channels()),
        origin,
        "input.channels",
        "must be BGR or RGB");
    require(
        input.letterbox() != null && input.letterbox().pad() >= 0 && input.letterbox().pad() <= 255,
        origin,
        "input.letterbox.pad",
        "must be 0..255");
    require(
        output != null && "yolox".equals(output.decoder()),
        origin,
        "output.decoder",
        "must be yolox");
    require(
        output.shape() != null && output.shape().size() == 3 && output.shape().get(0) == 1,
        origin,
        "output.shape",
        "must be [1, rows, 5 + classes]");
    require(
        output.strides() != null && !output.strides().isEmpty(),
        origin,
        "output.strides",
        "must be given");
    long rows = 0;
    for (int stride : output.strides()) {
      require(
          stride > 0 && input.width() % stride == 0 && input.height() % stride == 0,
          origin,
          "output.strides",
          "must divide the input size");
      rows += (long) (input.width() / stride) * (input.height() / stride);
    }
    require(
        rows == output.rows(),
        origin,
        "output.shape",
        "has " + output.rows() + " rows, the strides give " + rows);
    require(
        output.rowLength() > 5 && output.rowLength() <= 5 + 10_000,
        origin,
        "output.shape",
        "row length must be 5 + number of classes");
  }

  public int classCount() {
    return output.rowLength() - 5;
  }

  private static void require(boolean condition, String origin, String field, String problem)
      throws ModelException {
    if (!condition) {
      throw new ModelException("model manifest " + origin + ": " + field + " " + problem);
    }
  }
}
