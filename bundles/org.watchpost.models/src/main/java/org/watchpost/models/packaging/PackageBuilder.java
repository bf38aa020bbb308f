// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.packaging;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes a package from a model directory (its {@code manifest.json} with the model and labels
 * beside it, as under {@code models/}): the manifest keeps every field it has (the input/output
 * contract above all) and gains {@code created}, {@code files} (SHA-256 and size of each), golden
 * frames and, when asked, {@code rollback}.
 */
public final class PackageBuilder {
  private final Path directory;
  private final JsonObject manifest;
  private final Map<String, Path> files = new LinkedHashMap<>();
  private final List<PackageManifest.Golden> golden = new ArrayList<>();
  private Instant created = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  public PackageBuilder(Path manifestFile) throws IOException {
    this.directory = manifestFile.toAbsolutePath().getParent();
    this.manifest = JsonParser.parseString(Files.readString(manifestFile)).getAsJsonObject();
    String model = manifest.getAsJsonObject("model").get("file").getAsString();
    String labels = manifest.getAsJsonObject("labels").get("file").getAsString();
    files.put(model, directory.resolve(model));
    files.put(labels, directory.resolve(labels));
    if (Files.isRegularFile(directory.resolve("LICENSE"))) {
      files.put("LICENSE", directory.resolve("LICENSE"));
    }
  }

  public PackageBuilder version(String version) {
    SemanticVersion.parse(version);
    manifest.addProperty("version", version);
    return this;
  }

  public PackageBuilder created(Instant when) {
    this.created = when;
    return this;
  }

  public PackageBuilder platforms(List<String> platforms) {
    JsonArray array = new JsonArray();
    platforms.forEach(array::add);
    manifest.add("platforms", array);
    return this;
  }

  public PackageBuilder minRuntime(String version) {
    SemanticVersion.parse(version);
    manifest.addProperty("min_runtime", version);
    return this;
  }

  /** Signs permission to install this package over a newer active model. */
  public PackageBuilder rollback(boolean allowed) {
    manifest.addProperty("rollback", allowed);
    return this;
  }

  /** Replaces the model file with another (same name in the package). */
  public PackageBuilder modelFile(Path other) {
    files.put(manifest.getAsJsonObject("model").get("file").getAsString(), other);
    return this;
  }

  /** Adds a file, e.g. a golden frame or a note. */
  public PackageBuilder file(String pathInPackage, Path source) {
    if (!PackageManifest.isSafePath(pathInPackage)) {
      throw new IllegalArgumentException("'" + pathInPackage + "' is not a plain relative path");
    }
    files.put(pathInPackage, source);
    return this;
  }

  /** Adds a golden frame and what must be found on it. */
  public PackageBuilder golden(
      String pathInPackage, Path image, List<PackageManifest.Expected> expected, double minRecall) {
    file(pathInPackage, image);
    golden.add(new PackageManifest.Golden(pathInPackage, List.copyOf(expected), minRecall));
    return this;
  }

  /** The manifest as it will be signed. */
  public byte[] manifestBytes() throws IOException {
    Map<String, PackageManifest.FileEntry> described = ModelPackage.describe(files);
    String modelName = manifest.getAsJsonObject("model").get("file").getAsString();
    PackageManifest.FileEntry model = described.get(modelName);
    JsonObject modelJson = manifest.getAsJsonObject("model");
    if (!model.sha256().equals(modelJson.get("sha256").getAsString())) {
      // Another export of the weights: the equivalents named for the old file no longer apply.
      modelJson.remove("equivalents");
    }
    modelJson.addProperty("sha256", model.sha256());
    modelJson.addProperty("size", model.size());
    String labelsName = manifest.getAsJsonObject("labels").get("file").getAsString();
    manifest.getAsJsonObject("labels").addProperty("sha256", described.get(labelsName).sha256());
    manifest.addProperty("created", created.toString());
    Gson gson = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    manifest.add("files", gson.toJsonTree(described));
    if (!golden.isEmpty()) {
      JsonElement goldenJson = gson.toJsonTree(golden);
      manifest.add("golden", goldenJson);
    }
    return (gson.toJson(manifest) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Writes the signed package; checks the manifest as a device would before it does. */
  public PackageManifest build(Path out, PrivateKey key, PublicKey publicKey)
      throws IOException, PackageRejectedException {
    byte[] bytes = manifestBytes();
    PackageManifest parsed = PackageManifest.parse(bytes);
    ModelPackage.write(out, bytes, PackageSignature.sign(bytes, key, publicKey), files);
    return parsed;
  }
}
