// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.opencv.core.Mat;
import org.opencv.imgcodecs.Imgcodecs;
import org.watchpost.api.detect.Detection;
import org.watchpost.inference.tools.HostDetector;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageBuilder;
import org.watchpost.models.packaging.PackageLimits;
import org.watchpost.models.packaging.PackageManifest;
import org.watchpost.models.packaging.PackageRejectedException;
import org.watchpost.models.packaging.SigningKeys;
import org.watchpost.models.packaging.TrustedKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code watchpost model}: signing keys, signed packages, and checking a package as a device would.
 */
@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "Make and check signed model packages.",
    subcommands = {
      ModelCommand.Keygen.class,
      ModelCommand.Pack.class,
      ModelCommand.Verify.class,
      QuantizeCommand.class
    })
public final class ModelCommand {

  @Command(
      name = "keygen",
      mixinStandardHelpOptions = true,
      description =
          "Make an Ed25519 signing key: NAME.key (private, keep it off devices and out of git) and NAME.pub.")
  static final class Keygen implements Callable<Integer> {
    @Option(
        names = "--out",
        defaultValue = "var/keys",
        description = "Directory for the key files (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(
        names = "--name",
        defaultValue = "signing",
        description = "File name of the pair (default: ${DEFAULT-VALUE}).")
    String name;

    @Override
    public Integer call() throws Exception {
      Files.createDirectories(out);
      Path privateFile = out.resolve(name + ".key");
      Path publicFile = out.resolve(name + ".pub");
      if (Files.exists(privateFile)) {
        System.err.println("model keygen: " + privateFile + " exists; not overwritten");
        return 2;
      }
      KeyPair pair = SigningKeys.generate();
      Files.createFile(
          privateFile,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(privateFile, SigningKeys.privatePem(pair.getPrivate()));
      Files.writeString(publicFile, SigningKeys.publicPem(pair.getPublic()));
      System.out.println("key id " + SigningKeys.keyId(pair.getPublic()));
      System.out.println("private: " + privateFile + " (signs packages; never on a device)");
      System.out.println(
          "public:  " + publicFile + " (copy into models/keys/ for devices to trust it)");
      return 0;
    }
  }

  @Command(
      name = "pack",
      mixinStandardHelpOptions = true,
      description =
          "Make a signed package from a model directory (its manifest.json with the model and labels beside it).")
  static final class Pack implements Callable<Integer> {
    @Option(
        names = "--model",
        required = true,
        description = "The model's manifest.json, or its directory.")
    Path model;

    @Option(
        names = "--key",
        required = true,
        description = "Private key (NAME.key); NAME.pub must sit beside it.")
    Path key;

    @Option(names = "--version", description = "Version of the package (default: the manifest's).")
    String version;

    @Option(
        names = "--out",
        description = "Package file (default: NAME-VERSION.zip in the current directory).")
    Path out;

    @Option(
        names = "--golden",
        split = ",",
        description =
            "Golden frames (JPEG/PNG): the model's confident detections on them are recorded as what the device must find.")
    List<Path> golden = new ArrayList<>();

    @Option(
        names = "--golden-min-score",
        defaultValue = "0.5",
        description =
            "Detections recorded on golden frames score at least this (default: ${DEFAULT-VALUE}).")
    float goldenMinScore;

    @Option(
        names = "--min-recall",
        defaultValue = "0.8",
        description =
            "Share of the recorded detections a device must find (default: ${DEFAULT-VALUE}).")
    double minRecall;

    @Option(
        names = "--platforms",
        split = ",",
        description = "Target platforms (default: the manifest's).")
    List<String> platforms;

    @Option(
        names = "--min-runtime",
        description = "Minimum runtime version (default: the manifest's).")
    String minRuntime;

    @Option(
        names = "--rollback",
        description = "Sign permission to install this over a newer active model.")
    boolean rollback;

    @Override
    public Integer call() throws Exception {
      Path manifest = Files.isDirectory(model) ? model.resolve("manifest.json") : model;
      PrivateKey privateKey =
          SigningKeys.readPrivate(Files.readString(key, StandardCharsets.US_ASCII));
      Path publicFile =
          key.resolveSibling(key.getFileName().toString().replaceFirst("\\.key$", "") + ".pub");
      PublicKey publicKey =
          SigningKeys.readPublic(Files.readString(publicFile, StandardCharsets.US_ASCII));
      PackageBuilder builder = new PackageBuilder(manifest);
      if (version != null) {
        builder.version(version);
      }
      if (platforms != null && !platforms.isEmpty()) {
        builder.platforms(platforms);
      }
      if (minRuntime != null) {
        builder.minRuntime(minRuntime);
      }
      builder.rollback(rollback);
      if (!golden.isEmpty()) {
        record(builder, manifest);
      }
      byte[] preview = builder.manifestBytes();
      PackageManifest parsed = PackageManifest.parse(preview);
      Path target = out != null ? out : Path.of(parsed.name() + "-" + parsed.version() + ".zip");
      builder.build(target, privateKey, publicKey);
      System.out.printf(
          Locale.ROOT,
          "%s: %s %s, %d files, %d bytes, signed by key %s%n",
          target,
          parsed.name(),
          parsed.version(),
          parsed.files().size(),
          Files.size(target),
          SigningKeys.keyId(publicKey));
      System.out.println("sha256 " + ModelPackage.sha256Of(target));
      return 0;
    }

    private void record(PackageBuilder builder, Path manifest) throws Exception {
      try (HostDetector engine = Detectors.loadManifest(manifest, 1)) {
        int n = 0;
        for (Path image : golden) {
          Mat mat = Imgcodecs.imread(image.toString(), Imgcodecs.IMREAD_COLOR);
          if (mat.empty()) {
            throw new IllegalArgumentException("golden frame " + image + " is not an image");
          }
          try {
            List<PackageManifest.Expected> expected = new ArrayList<>();
            for (Detection d : engine.detect(mat, null).detections()) {
              if (d.score() >= goldenMinScore) {
                expected.add(
                    new PackageManifest.Expected(
                        d.label(), List.of(d.x1(), d.y1(), d.x2(), d.y2())));
              }
            }
            String name =
                String.format(
                    Locale.ROOT,
                    "golden/%04d.%s",
                    ++n,
                    image.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")
                        ? "png"
                        : "jpg");
            builder.golden(name, image, expected, minRecall);
            System.out.printf("%s: %d detections recorded as %s%n", image, expected.size(), name);
          } finally {
            mat.release();
          }
        }
      }
    }
  }

  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description =
          "Check a package as a device would: signature by a trusted key, manifest, every file's size and hash, safe unpacking.")
  static final class Verify implements Callable<Integer> {
    @Parameters(index = "0", description = "The package.")
    Path packageFile;

    @Option(
        names = "--keys",
        description = "Directory of trusted public keys (default: models/keys of the project).")
    Path keys;

    @Option(
        names = "--platform",
        description = "Also check that the package targets this platform.")
    String platform;

    @Override
    public Integer call() throws Exception {
      Path keyDir = keys != null ? keys : Home.root().resolve("models/keys");
      Path scratch = Files.createTempDirectory("watchpost-verify");
      try (ModelPackage pkg =
          ModelPackage.open(packageFile, PackageLimits.DEFAULT, TrustedKeys.load(keyDir))) {
        pkg.extractTo(scratch.resolve("unpacked"));
        PackageManifest m = pkg.manifest();
        if (platform != null && !m.platforms().contains(platform)) {
          System.out.println(
              "REJECTED wrong_platform: built for " + m.platforms() + ", not " + platform);
          return 1;
        }
        System.out.printf(
            Locale.ROOT,
            "OK %s %s created %s, signed by key %s, %d files (%d bytes unpacked), platforms %s, "
                + "min runtime %s, %d golden frame(s)%s%n",
            m.name(),
            m.version(),
            m.created(),
            pkg.signature().keyId(),
            m.files().size(),
            m.unpackedBytes(),
            m.platforms(),
            m.minRuntime(),
            m.goldenFrames().size(),
            m.rollback() ? ", signed rollback" : "");
        return 0;
      } catch (PackageRejectedException e) {
        System.out.println("REJECTED " + e);
        return 1;
      } finally {
        try (var walk = Files.walk(scratch)) {
          walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }
}
