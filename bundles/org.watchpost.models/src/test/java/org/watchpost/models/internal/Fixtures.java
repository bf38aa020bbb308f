// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.imgcodecs.Imgcodecs;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.packaging.PackageManifest;
import org.watchpost.models.packaging.SigningKeys;
import org.watchpost.testing.TinyOnnx;

/**
 * Model directories, keys and packages made at test time: no private key ever lives in the
 * repository.
 */
final class Fixtures {
  private Fixtures() {}

  /** A signing key pair whose public half is trusted in {@code keysDir}. */
  static KeyPair trustedKey(Path keysDir) {
    KeyPair pair = SigningKeys.generate();
    try {
      Files.createDirectories(keysDir);
      Files.writeString(
          keysDir.resolve(SigningKeys.keyId(pair.getPublic()) + ".pub"),
          SigningKeys.publicPem(pair.getPublic()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pair;
  }

  /**
   * A model directory (manifest.json, model.onnx, labels.txt) of the tiny model with the YOLOX
   * contract.
   */
  static Path tinyModel(Path dir, String version, float[] constant) {
    return modelDir(
        dir,
        "tiny-yolox",
        version,
        TinyOnnx.model(constant),
        List.of("linux-x86_64", "linux-aarch64"));
  }

  static Path modelDir(Path dir, String name, String version, byte[] onnx, List<String> platforms) {
    return org.watchpost.testing.TestModels.tinyYolox(dir, name, version, onnx, platforms);
  }

  /** A 64x48 grey JPEG; the tiny person model finds one person over all of it. */
  static Path goldenImage(Path dir) {
    nu.pattern.OpenCV.loadLocally();
    Path file = dir.resolve("golden-64x48.jpg");
    Mat mat = new Mat(48, 64, CvType.CV_8UC3, new Scalar(90, 120, 150));
    try {
      Files.createDirectories(dir);
      Imgcodecs.imwrite(file.toString(), mat);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      mat.release();
    }
    return file;
  }

  /** The one person the tiny model finds on {@link #goldenImage}. */
  static List<PackageManifest.Expected> personOverAll() {
    return List.of(new PackageManifest.Expected("person", List.of(0f, 0f, 64f, 48f)));
  }

  /** Signs and writes a package of a model directory, with the golden frame. */
  static Path pack(Path manifest, Path out, KeyPair key) {
    try {
      Path golden = goldenImage(out.getParent().resolve("golden"));
      new PackageBuilder(manifest)
          .golden("golden/0001.jpg", golden, personOverAll(), 1.0)
          .build(out, key.getPrivate(), key.getPublic());
      return out;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
