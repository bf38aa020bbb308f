// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.watchpost.api.detect.ModelInfo;

/**
 * A model whose files exist and match the hashes in its manifest. Nothing reaches ONNX Runtime
 * without passing through here.
 */
public record VerifiedModel(
    ModelManifest manifest, Path modelFile, String modelSha256, List<String> labels) {
  /** Longest label file accepted: 10,000 classes of 100 characters. */
  private static final int MAX_LABELS_BYTES = 1_000_000;

  public VerifiedModel {
    labels = List.copyOf(labels);
  }

  public ModelInfo info() {
    return new ModelInfo(manifest.name(), manifest.version(), modelSha256);
  }

  public static VerifiedModel load(Path manifestPath) throws ModelException {
    ModelManifest manifest = ModelManifest.read(manifestPath);
    Path directory = manifestPath.toAbsolutePath().getParent();
    Path modelFile = directory.resolve(manifest.model().file());
    String modelSha = sha256(modelFile, "model");
    List<String> accepted = new ArrayList<>();
    accepted.add(manifest.model().sha256());
    if (manifest.model().equivalents() != null) {
      manifest.model().equivalents().forEach(equivalent -> accepted.add(equivalent.sha256()));
    }
    if (!accepted.contains(modelSha)) {
      throw new ModelException(
          "model file "
              + modelFile
              + " has SHA-256 "
              + modelSha
              + " but its manifest "
              + manifestPath
              + " expects "
              + String.join(" or ", accepted)
              + " (truncated, corrupted or replaced)");
    }
    Path labelsFile = directory.resolve(manifest.labels().file());
    String labelsSha = sha256(labelsFile, "labels");
    if (!labelsSha.equals(manifest.labels().sha256())) {
      throw new ModelException(
          "labels file "
              + labelsFile
              + " has SHA-256 "
              + labelsSha
              + " but its manifest "
              + manifestPath
              + " expects "
              + manifest.labels().sha256());
    }
    List<String> labels = readLabels(labelsFile);
    if (labels.size() != manifest.classCount()) {
      throw new ModelException(
          "labels file "
              + labelsFile
              + " names "
              + labels.size()
              + " classes but the model has "
              + manifest.classCount());
    }
    return new VerifiedModel(manifest, modelFile, modelSha, labels);
  }

  private static List<String> readLabels(Path file) throws ModelException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(MAX_LABELS_BYTES + 1);
      if (bytes.length > MAX_LABELS_BYTES) {
        throw new ModelException(
            "labels file " + file + " is larger than " + MAX_LABELS_BYTES + " bytes");
      }
      return new String(bytes, StandardCharsets.UTF_8)
          .lines()
          .map(String::strip)
          .filter(l -> !l.isEmpty())
          .toList();
    } catch (IOException e) {
      throw new ModelException("cannot read labels file " + file + ": " + e.getMessage(), e);
    }
  }

  static String sha256(Path file, String what) throws ModelException {
    try (InputStream in =
        new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (NoSuchFileException e) {
      throw new ModelException(what + " file " + file + " is missing (run models/fetch)");
    } catch (IOException e) {
      throw new ModelException("cannot read " + what + " file " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
