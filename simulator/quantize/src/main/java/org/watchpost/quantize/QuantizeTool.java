// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import org.watchpost.quantize.onnx.Onnx.ModelProto;

/**
 * {@code model quantize} on model directories: reads the FP32 model beside its manifest, calibrates
 * (or takes ranges calibrated before), writes the INT8 model, its labels and licence, the ranges,
 * and a manifest that {@code model pack} signs like any other.
 */
public final class QuantizeTool {
  public static final int MIN_FRAMES = 1;
  public static final int MAX_FRAMES = 2000;
  public static final int DEFAULT_FRAMES = 300;
  public static final String RANGES_FILE = "calibration.json";
  private static final int MAX_MANIFEST_BYTES = 256 * 1024;

  /**
   * @param modelDir directory with the FP32 model's manifest.json
   * @param calibration image directories or videos (ignored when {@code ranges} is given)
   * @param ranges calibration ranges from an earlier run, or null to calibrate
   * @param outDir where the INT8 model directory is written
   * @param name the INT8 model's name (null: the FP32 name + "-int8")
   * @param frames most calibration frames
   * @param threads ONNX Runtime threads for calibration
   */
  public record Request(
      Path modelDir,
      List<Path> calibration,
      Path ranges,
      Path outDir,
      String name,
      int frames,
      int threads,
      QuantizeOptions options) {}

  public record Outcome(
      Path manifest,
      Path model,
      String sha256,
      long size,
      QdqQuantizer.Summary summary,
      int frames) {}

  private QuantizeTool() {}

  public static Outcome run(Request request) throws QuantizeException {
    if (request.frames() < MIN_FRAMES || request.frames() > MAX_FRAMES) {
      throw new QuantizeException(
          "--frames must be " + MIN_FRAMES + ".." + MAX_FRAMES + ", was " + request.frames());
    }
    Path manifestPath = request.modelDir().resolve("manifest.json");
    JsonObject manifest = readManifest(manifestPath);
    JsonObject modelBlock = object(manifest, "model", manifestPath);
    JsonObject input = object(manifest, "input", manifestPath);
    String modelFile = string(modelBlock, "file", manifestPath);
    if (!modelFile.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
      throw new QuantizeException(
          "manifest " + manifestPath + ": model.file must be a plain file name");
    }
    Path fp32 = request.modelDir().resolve(modelFile);
    String fp32Sha = sha256(fp32);
    ModelProto model = OnnxFiles.read(fp32);

    Ranges ranges;
    if (request.ranges() != null) {
      ranges = Ranges.read(request.ranges());
      if (ranges.modelSha256() != null && !ranges.modelSha256().equals(fp32Sha)) {
        throw new QuantizeException(
            "calibration ranges "
                + request.ranges()
                + " belong to the model with SHA-256 "
                + ranges.modelSha256()
                + ", not to "
                + fp32
                + " ("
                + fp32Sha
                + ")");
      }
    } else {
      org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
      List<Path> frames =
          CalibrationFrames.collect(
              request.calibration(),
              request.frames(),
              request.outDir().resolve(".calibration-frames"));
      JsonArray shape = input.getAsJsonArray("shape");
      Calibrator.Input spec =
          new Calibrator.Input(
              string(input, "name", manifestPath),
              shape.get(3).getAsInt(),
              shape.get(2).getAsInt(),
              "RGB".equals(string(input, "channels", manifestPath)),
              input.getAsJsonObject("letterbox").get("pad").getAsInt());
      ranges =
          Calibrator.calibrate(model, fp32Sha, spec, frames, request.options(), request.threads());
      ranges =
          new Ranges(
              1,
              fp32Sha,
              ranges.method(),
              ranges.frames(),
              describe(request.calibration()),
              ranges.ranges());
      deleteTree(request.outDir().resolve(".calibration-frames"));
    }

    QdqQuantizer.Result result = QdqQuantizer.quantize(model, ranges, request.options());
    try {
      Files.createDirectories(request.outDir());
    } catch (IOException e) {
      throw new QuantizeException("cannot create " + request.outDir() + ": " + e.getMessage(), e);
    }
    String outFile =
        modelFile.endsWith(".onnx")
            ? modelFile.substring(0, modelFile.length() - 5) + "_int8.onnx"
            : modelFile + "_int8";
    Path out = request.outDir().resolve(outFile);
    OnnxFiles.write(result.model(), out);
    String sha = sha256(out);
    long size;
    try {
      size = Files.size(out);
      Path rangesFile = request.outDir().resolve(RANGES_FILE);
      if (request.ranges() == null
          || !Files.exists(rangesFile)
          || !Files.isSameFile(request.ranges(), rangesFile)) {
        ranges.write(rangesFile);
      }
      copyBeside(
          request.modelDir(),
          request.outDir(),
          string(object(manifest, "labels", manifestPath), "file", manifestPath));
      if (Files.exists(request.modelDir().resolve("LICENSE"))) {
        copyBeside(request.modelDir(), request.outDir(), "LICENSE");
      }
    } catch (IOException e) {
      throw new QuantizeException(
          "cannot write into " + request.outDir() + ": " + e.getMessage(), e);
    }
    JsonObject written =
        int8Manifest(manifest, request, fp32Sha, outFile, sha, size, result.summary(), ranges);
    Path outManifest = request.outDir().resolve("manifest.json");
    try {
      Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
      Files.writeString(outManifest, gson.toJson(written) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new QuantizeException("cannot write " + outManifest + ": " + e.getMessage(), e);
    }
    return new Outcome(outManifest, out, sha, size, result.summary(), ranges.frames());
  }

  private static JsonObject int8Manifest(
      JsonObject fp32,
      Request request,
      String fp32Sha,
      String outFile,
      String sha,
      long size,
      QdqQuantizer.Summary summary,
      Ranges ranges) {
    JsonObject m = new JsonObject();
    String name =
        request.name() != null ? request.name() : fp32.get("name").getAsString() + "-int8";
    for (String key : fp32.keySet()) {
      switch (key) {
        case "name" -> m.addProperty("name", name);
        case "created" ->
            m.addProperty("created", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        case "description" ->
            m.addProperty(
                "description",
                fp32.get(key).getAsString()
                    + " Quantized to INT8 (static QDQ: int8 weights per output channel, uint8 activations calibrated on "
                    + ranges.frames()
                    + " frames).");
        case "model" -> {
          JsonObject model = new JsonObject();
          model.addProperty("file", outFile);
          model.addProperty("sha256", sha);
          model.addProperty("size", size);
          model.addProperty(
              "origin",
              "watchpost model quantize of "
                  + fp32.get("name").getAsString()
                  + " "
                  + fp32.get("version").getAsString()
                  + " with the ranges in "
                  + RANGES_FILE);
          m.add("model", model);
        }
        case "quantization" -> {}
        default -> m.add(key, fp32.get(key).deepCopy());
      }
    }
    // After "labels" on purpose: models/fetch accepts every SHA-256 it reads before "labels" as the
    // model's.
    JsonObject q = new JsonObject();
    q.addProperty("format", "QDQ");
    q.addProperty("source_model", fp32.get("name").getAsString());
    q.addProperty("weights", "int8, symmetric, per output channel");
    q.addProperty(
        "activations", "uint8, asymmetric, " + ranges.method() + " over calibration frames");
    q.addProperty("calibration", RANGES_FILE);
    q.addProperty("calibration_frames", ranges.frames());
    q.addProperty("quantized_nodes", summary.quantizedNodes());
    q.addProperty("float_nodes", summary.floatNodes());
    q.addProperty("float_stem_layers", request.options().floatStemLayers());
    q.addProperty("float_head_convs", request.options().floatHeadConvs());
    JsonObject from = new JsonObject();
    from.addProperty("name", fp32.get("name").getAsString());
    from.addProperty("version", fp32.get("version").getAsString());
    from.addProperty("file", fp32.getAsJsonObject("model").get("file").getAsString());
    from.addProperty("sha256", fp32Sha);
    q.add("from", from);
    m.add("quantization", q);
    return m;
  }

  private static String describe(List<Path> sources) {
    return String.join(
        ", ",
        sources.stream()
            .map(p -> p.getFileName() == null ? p.toString() : p.getFileName().toString())
            .toList());
  }

  private static void copyBeside(Path from, Path to, String file) throws IOException {
    Path target = to.resolve(file);
    if (!Files.exists(target) || !Files.isSameFile(from.resolve(file), target)) {
      Files.copy(from.resolve(file), target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteTree(Path dir) {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // Scratch frames left behind cost disk, not correctness; the next run clears them first.
    }
  }

  static JsonObject readManifest(Path path) throws QuantizeException {
    try (InputStream in = Files.newInputStream(path)) {
      byte[] bytes = in.readNBytes(MAX_MANIFEST_BYTES + 1);
      if (bytes.length > MAX_MANIFEST_BYTES) {
        throw new QuantizeException(
            "manifest " + path + " is larger than " + MAX_MANIFEST_BYTES + " bytes");
      }
      JsonElement json = JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8));
      if (!json.isJsonObject()) {
        throw new QuantizeException("manifest " + path + " is not a JSON object");
      }
      return json.getAsJsonObject();
    } catch (IOException e) {
      throw new QuantizeException("cannot read manifest " + path + ": " + e.getMessage(), e);
    } catch (JsonParseException | StackOverflowError e) {
      throw new QuantizeException("manifest " + path + " is not valid JSON: " + e.getMessage());
    }
  }

  private static JsonObject object(JsonObject json, String key, Path origin)
      throws QuantizeException {
    JsonElement e = json.get(key);
    if (e == null || !e.isJsonObject()) {
      throw new QuantizeException("manifest " + origin + ": " + key + " is missing");
    }
    return e.getAsJsonObject();
  }

  private static String string(JsonObject json, String key, Path origin) throws QuantizeException {
    JsonElement e = json.get(key);
    if (e == null || !e.isJsonPrimitive()) {
      throw new QuantizeException("manifest " + origin + ": " + key + " is missing");
    }
    return e.getAsString();
  }

  public static String sha256(Path file) throws QuantizeException {
    try (DigestInputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest());
    } catch (IOException e) {
      throw new QuantizeException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
