// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.packaging;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.annotations.SerializedName;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The package-level view of a model's {@code manifest.json}: the same file the detector reads
 * (which checks the input/output contract when it loads the model), with what a package adds:
 * {@code created}, the SHA-256 and size of every file in {@code files}, golden frames with the
 * detections expected on them, and {@code rollback} (a signed permission to install a version older
 * than the active one).
 */
public record PackageManifest(
    int format,
    String name,
    String version,
    String created,
    ModelRef model,
    LabelsRef labels,
    Map<String, FileEntry> files,
    List<Golden> golden,
    @SerializedName("min_runtime") String minRuntime,
    List<String> platforms,
    boolean rollback) {

  public static final String MANIFEST = "manifest.json";
  public static final String SIGNATURE = "manifest.sig";

  /** A manifest is a few kilobytes; anything far larger is not one. */
  public static final int MAX_BYTES = 256 * 1024;

  public static final int MAX_FILES = 64;
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /** One or two levels of plain names: {@code model.onnx}, {@code golden/0001.jpg}. */
  private static final Pattern PATH =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}(/[A-Za-z0-9][A-Za-z0-9._-]{0,63})?");

  private static final Pattern PLATFORM = Pattern.compile("[a-z0-9_-]{1,32}");

  public record ModelRef(String file, String sha256, long size) {}

  public record LabelsRef(String file, String sha256) {}

  public record FileEntry(String sha256, long size) {}

  /**
   * A frame the model must see as its author saw it.
   *
   * @param file the JPEG or PNG, a path in {@code files}
   * @param detections what must be found on it (boxes in frame pixels)
   * @param minRecall the share of expected detections that must be matched (IoU at least 0.5, same
   *     label)
   */
  public record Golden(
      String file, List<Expected> detections, @SerializedName("min_recall") Double minRecall) {
    public double recallRequired() {
      return minRecall == null ? 0.5 : minRecall;
    }
  }

  public record Expected(String label, List<Float> box) {}

  /** Parses and checks a manifest; every problem names the field. */
  public static PackageManifest parse(byte[] json) throws PackageRejectedException {
    if (json.length > MAX_BYTES) {
      throw new PackageRejectedException(
          Rejection.TOO_LARGE, "manifest is " + json.length + " bytes, more than " + MAX_BYTES);
    }
    PackageManifest manifest;
    try {
      manifest =
          new Gson().fromJson(new String(json, StandardCharsets.UTF_8), PackageManifest.class);
    } catch (JsonParseException
        | IllegalStateException
        | IllegalArgumentException
        | ClassCastException e) {
      throw new PackageRejectedException(
          Rejection.MALFORMED,
          "manifest is not valid JSON of the package format: " + e.getMessage(),
          e);
    } catch (StackOverflowError e) {
      throw new PackageRejectedException(Rejection.MALFORMED, "manifest is nested too deeply");
    }
    if (manifest == null) {
      throw new PackageRejectedException(Rejection.MALFORMED, "manifest is empty");
    }
    manifest.check();
    return manifest;
  }

  /** True for a path a package may hold: relative, one or two plain name levels, no {@code ..}. */
  public static boolean isSafePath(String path) {
    return path != null && PATH.matcher(path).matches() && !path.contains("..");
  }

  private void check() throws PackageRejectedException {
    require(format == 1, "format", "must be 1, was " + format);
    require(name != null && NAME.matcher(name).matches(), "name", "must be a simple name");
    require(
        SemanticVersion.isValid(version), "version", "must be a semantic version, was " + version);
    require(created != null, "created", "is missing");
    try {
      Instant.parse(created);
    } catch (DateTimeParseException e) {
      throw new PackageRejectedException(
          Rejection.MALFORMED, "manifest: created must be an ISO-8601 instant, was " + created);
    }
    require(
        SemanticVersion.isValid(minRuntime),
        "min_runtime",
        "must be a semantic version, was " + minRuntime);
    require(
        platforms != null && !platforms.isEmpty() && platforms.size() <= 16,
        "platforms",
        "must name 1..16 platforms");
    for (String platform : platforms) {
      require(
          platform != null && PLATFORM.matcher(platform).matches(),
          "platforms",
          "has a malformed entry " + platform);
    }
    require(files != null && !files.isEmpty(), "files", "must list every file of the package");
    require(
        files.size() <= MAX_FILES,
        "files",
        "lists " + files.size() + " files, at most " + MAX_FILES);
    for (Map.Entry<String, FileEntry> file : files.entrySet()) {
      String path = file.getKey();
      if (!isSafePath(path)) {
        throw new PackageRejectedException(
            Rejection.UNSAFE_PATH,
            "manifest lists the file '"
                + path
                + "', which is not a plain relative path inside the package");
      }
      require(!path.equals(MANIFEST) && !path.equals(SIGNATURE), "files", "must not list " + path);
      FileEntry entry = file.getValue();
      require(
          entry != null && entry.sha256() != null && SHA256.matcher(entry.sha256()).matches(),
          "files." + path + ".sha256",
          "must be 64 lower-case hex digits");
      require(entry.size() >= 0, "files." + path + ".size", "must not be negative");
    }
    require(
        model != null && model.file() != null && files.containsKey(model.file()),
        "model.file",
        "must be one of the files");
    FileEntry modelEntry = files.get(model.file());
    require(
        modelEntry.sha256().equals(model.sha256()) && modelEntry.size() == model.size(),
        "model",
        "sha256 and size must agree with files." + model.file());
    require(
        labels != null && labels.file() != null && files.containsKey(labels.file()),
        "labels.file",
        "must be one of the files");
    require(
        files.get(labels.file()).sha256().equals(labels.sha256()),
        "labels.sha256",
        "must agree with files." + labels.file());
    require(
        !model.file().contains("/") && !labels.file().contains("/"),
        "model.file",
        "model and labels sit beside the manifest");
    if (golden != null) {
      require(golden.size() <= 32, "golden", "at most 32 frames");
      for (Golden g : golden) {
        require(
            g != null && g.file() != null && files.containsKey(g.file()),
            "golden[].file",
            "must be one of the files");
        require(
            g.minRecall() == null || (g.minRecall() >= 0 && g.minRecall() <= 1),
            "golden[].min_recall",
            "must be 0..1");
        require(
            g.detections() != null && g.detections().size() <= 1000,
            "golden[].detections",
            "must be a list of at most 1000");
        for (Expected e : g.detections()) {
          require(
              e != null
                  && e.label() != null
                  && e.box() != null
                  && e.box().size() == 4
                  && e.box().stream().allMatch(v -> v != null && Float.isFinite(v)),
              "golden[].detections[]",
              "must have a label and a box [x1, y1, x2, y2]");
        }
      }
    }
  }

  /** Every byte the package unpacks to. */
  public long unpackedBytes() {
    return files.values().stream().mapToLong(FileEntry::size).sum();
  }

  public SemanticVersion semanticVersion() {
    return SemanticVersion.parse(version);
  }

  public List<Golden> goldenFrames() {
    return golden == null ? List.of() : golden;
  }

  private static void require(boolean condition, String field, String problem)
      throws PackageRejectedException {
    if (!condition) {
      throw new PackageRejectedException(Rejection.MALFORMED, "manifest: " + field + " " + problem);
    }
  }
}
