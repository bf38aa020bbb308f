import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Builds the per-platform distributions and the Kura deployment packages from the exported runtime, run by the
 * Maven build as a single-file Java program (java Distribution.java VERSION RUNTIME_JAR RUNBUNDLES ROOT OUT
 * KURA_BUNDLE):
 *
 * <ul>
 *   <li>watchpost-VERSION-linux-x86_64.tar.gz and -linux-aarch64.tar.gz: launcher, the runnable jar with only that
 *       platform's native libraries (ONNX Runtime in the inference bundle, OpenCV, sqlite-jdbc), a systemd unit,
 *       the default configuration, the model manifests and their fetch script;</li>
 *   <li>watchpost-VERSION-kura-LINE-linux-*.dp, one per Eclipse Kura line (dist/kura-lines.properties): an OSGi
 *       deployment package for Kura's package manager with the application bundles, the Kura adapter in place of
 *       the standalone uplink, and only the libraries that line does not already run at that name and
 *       version.</li>
 * </ul>
 * GNU tar on the build host writes the tarballs (owner root, mode bits kept).
 */
public final class Distribution {
  /** Where each jar keeps its natives, and the part of that tree each platform keeps. */
  private static final List<String> NATIVE_TREES = List.of("ai/onnxruntime/native/", "nu/pattern/opencv/", "org/sqlite/native/");
  private static final Map<String, List<String>> KEEP = Map.of(
      "linux-x86_64", List.of("ai/onnxruntime/native/linux-x64/", "nu/pattern/opencv/linux/x86_64/", "org/sqlite/native/Linux/x86_64/"),
      "linux-aarch64", List.of("ai/onnxruntime/native/linux-aarch64/", "nu/pattern/opencv/linux/ARMv8/", "org/sqlite/native/Linux/aarch64/"));
  /** Bundles a Kura gateway already runs (its framework, SCR, Config Admin, Metatype, Event Admin, logging, OSGi utilities). */
  private static final List<String> PROVIDED_BY_KURA = List.of("org.apache.felix.", "org.osgi.", "slf4j.", "org.eclipse.parsson.");
  /**
   * Left out on Kura: nothing of Watchpost's own. The uplink goes in: on Kura its outbox, priorities, governor and
   * folding sit in front of Kura's CloudPublisher (org.watchpost.kura plugs the publisher in as its transport);
   * its own MQTT component is never configured there, so it opens nothing. The installer's page goes in: it is
   * served by Kura's own web server through Kura's HTTP Whiteboard, so the standalone web server (Felix HTTP Jetty
   * and its servlet API, both org.apache.felix.*) stays out with the rest of what Kura provides.
   */
  private static final List<String> STANDALONE_ONLY = List.of();

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      throw new IllegalArgumentException("usage: Distribution VERSION RUNTIME_JAR RUNBUNDLES_DIR PROJECT_ROOT OUT_DIR KURA_BUNDLE");
    }
    String version = args[0];
    Path runtimeJar = Path.of(args[1]);
    Path runbundles = Path.of(args[2]);
    Path root = Path.of(args[3]);
    Path out = Path.of(args[4]);
    Path kuraBundle = Path.of(args[5]);
    Files.createDirectories(out);
    Map<String, java.util.Set<String>> kuraLines = kuraLines(root.resolve("target-platform/dist/kura-lines.properties"));
    // The six archives are independent: built side by side on every core (the build's longest step on a 2-core
    // host otherwise), then named in a fixed order. Their contents do not depend on the order.
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
    try {
      List<Future<Path>> archives = new ArrayList<>();
      for (String platform : List.of("linux-x86_64", "linux-aarch64")) {
        archives.add(pool.submit(() -> tarball(version, platform, runtimeJar, root, out)));
        for (Map.Entry<String, java.util.Set<String>> line : kuraLines.entrySet()) {
          archives.add(pool.submit(() -> deploymentPackage(version, platform, runbundles, kuraBundle, line.getKey(),
              line.getValue(), out)));
        }
      }
      for (Future<Path> archive : archives) {
        Path file = archive.get();
        System.out.printf("distribution: %s %.1f MB%n", file.getFileName(), Files.size(file) / 1e6);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Kura line to the bundles (symbolic-name:version) it already runs. */
  static Map<String, java.util.Set<String>> kuraLines(Path file) throws IOException {
    java.util.Properties p = new java.util.Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    Map<String, java.util.Set<String>> lines = new java.util.TreeMap<>();
    for (String line : p.stringPropertyNames()) {
      java.util.Set<String> bundles = new java.util.TreeSet<>();
      for (String b : p.getProperty(line).split(",")) {
        if (!b.isBlank()) {
          bundles.add(b.trim());
        }
      }
      lines.put(line, bundles);
    }
    return lines;
  }

  static boolean keep(String entry, String platform) {
    for (String tree : NATIVE_TREES) {
      if (entry.startsWith(tree)) {
        if (entry.endsWith("/")) {
          return true;
        }
        return KEEP.get(platform).stream().anyMatch(entry::startsWith);
      }
    }
    return true;
  }

  /** Bundles already stripped, per platform and file: every Kura line's package of a platform takes the same copy. */
  private static final Map<String, FutureTask<byte[]>> STRIPPED = new ConcurrentHashMap<>();

  /** {@link #strip} of a bundle file, done once per platform; a second caller waits for the first one's result. */
  static byte[] stripped(Path bundle, String platform) throws IOException {
    FutureTask<byte[]> task = new FutureTask<>(() -> {
      try (InputStream in = Files.newInputStream(bundle)) {
        return strip(in, platform);
      }
    });
    FutureTask<byte[]> existing = STRIPPED.putIfAbsent(platform + "|" + bundle.toAbsolutePath(), task);
    if (existing == null) {
      task.run();
      existing = task;
    }
    try {
      return existing.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stripping " + bundle, e);
    } catch (ExecutionException e) {
      throw new IOException("stripping " + bundle + " for " + platform, e.getCause());
    }
  }

  /** A bundle with only one platform's natives; the manifest and everything else as they were. */
  static byte[] strip(InputStream bundle, String platform) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipInputStream in = new ZipInputStream(bundle); ZipOutputStream zip = new ZipOutputStream(bytes)) {
      ZipEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        if (!keep(entry.getName(), platform)) {
          continue;
        }
        ZipEntry copy = new ZipEntry(entry.getName());
        copy.setTime(entry.getTime());
        zip.putNextEntry(copy);
        in.transferTo(zip);
        zip.closeEntry();
      }
    }
    return bytes.toByteArray();
  }

  static Path tarball(String version, String platform, Path runtimeJar, Path root, Path out) throws Exception {
    String name = "watchpost-" + version;
    Path staging = out.resolve("staging-" + platform);
    deleteTree(staging);
    Path home = staging.resolve(name);
    Files.createDirectories(home.resolve("lib"));
    try (ZipFile source = new ZipFile(runtimeJar.toFile());
        OutputStream file = Files.newOutputStream(home.resolve("lib/watchpost.jar"));
        ZipOutputStream zip = new ZipOutputStream(file)) {
      for (ZipEntry entry : java.util.Collections.list(source.entries())) {
        ZipEntry copy = new ZipEntry(entry.getName());
        copy.setTime(entry.getTime());
        zip.putNextEntry(copy);
        try (InputStream in = source.getInputStream(entry)) {
          if (entry.getName().startsWith("jar/") && entry.getName().endsWith(".jar")) {
            zip.write(strip(in, platform));
          } else {
            in.transferTo(zip);
          }
        }
        zip.closeEntry();
      }
    }
    Path dist = root.resolve("target-platform/dist");
    copy(dist.resolve("watchpost"), home.resolve("bin/watchpost"), "rwxr-xr-x");
    copy(dist.resolve("watchpost.service"), home.resolve("systemd/watchpost.service"), "rw-r--r--");
    copy(dist.resolve("config.json"), home.resolve("etc/config.json"), "rw-r--r--");
    copy(dist.resolve("README.dist.md"), home.resolve("README.md"), "rw-r--r--");
    copy(root.resolve("models/fetch"), home.resolve("models/fetch"), "rwxr-xr-x");
    try (Stream<Path> models = Files.walk(root.resolve("models"))) {
      for (Path model : models.filter(Files::isRegularFile).toList()) {
        String file = model.getFileName().toString();
        // A quantized model is built from its FP32 source by the host tool (models/fetch runs `watchpost model
        // quantize`), which a device's distribution does not carry: a vendor ships its weights in a signed package.
        if (Files.exists(model.getParent().resolve("calibration.json"))) {
          continue;
        }
        // models/keys comes too (its README, any public key): the trusted key directory a vendor puts keys in.
        if (file.equals("manifest.json") || file.equals("labels.txt") || file.equals("LICENSE") || file.endsWith(".pub")
            || file.endsWith(".pem") || root.relativize(model).startsWith("models/keys")) {
          copy(model, home.resolve(root.relativize(model).toString()), "rw-r--r--");
        }
      }
    }
    Files.writeString(home.resolve("PLATFORM"), platform + "\n" + version + "\n");
    Path tarball = out.resolve(name + "-" + platform + ".tar.gz");
    Files.deleteIfExists(tarball);
    Process tar = new ProcessBuilder("tar", "--owner=0", "--group=0", "--numeric-owner", "-czf", tarball.toString(), "-C",
        staging.toString(), name).inheritIO().start();
    if (tar.waitFor() != 0) {
      throw new IOException("tar failed for " + tarball);
    }
    deleteTree(staging);
    return tarball;
  }

  static Path deploymentPackage(String version, String platform, Path runbundles, Path kuraBundle, String kuraLine,
      java.util.Set<String> kuraHas, Path out) throws IOException {
    List<Path> bundles;
    try (Stream<Path> files = Files.list(runbundles)) {
      bundles = new ArrayList<>(files.filter(p -> p.toString().endsWith(".jar"))
          .sorted(Comparator.comparing(Path::toString)).toList());
    }
    bundles.add(kuraBundle);
    Manifest manifest = new Manifest();
    Attributes main = manifest.getMainAttributes();
    main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    main.putValue("DeploymentPackage-SymbolicName", "org.watchpost");
    main.putValue("DeploymentPackage-Version", version.replace('-', '.'));
    main.putValue("DeploymentPackage-Name", "Watchpost camera analytics (" + kuraLine + ", " + platform + ")");
    main.putValue("DeploymentPackage-Description", "Watchpost's bundles and the libraries " + kuraLine
        + " lacks; publishes through Kura's CloudPublisher, configured in Kura's UI (Metatype).");
    Map<String, byte[]> contents = new LinkedHashMap<>();
    for (Path bundle : bundles) {
      String symbolicName;
      String bundleVersion;
      try (JarFile jar = new JarFile(bundle.toFile())) {
        Attributes attributes = jar.getManifest().getMainAttributes();
        symbolicName = attributes.getValue("Bundle-SymbolicName").split(";")[0].trim();
        bundleVersion = attributes.getValue("Bundle-Version").trim();
      }
      if (PROVIDED_BY_KURA.stream().anyMatch(symbolicName::startsWith) || STANDALONE_ONLY.contains(symbolicName)
          || kuraHas.contains(symbolicName + ":" + bundleVersion)) {
        continue;
      }
      String entry = "bundles/" + symbolicName + "-" + bundleVersion + ".jar";
      Attributes section = new Attributes();
      section.putValue("Bundle-SymbolicName", symbolicName);
      section.putValue("Bundle-Version", bundleVersion);
      manifest.getEntries().put(entry, section);
      contents.put(entry, stripped(bundle, platform));
    }
    Path dp = out.resolve("watchpost-" + version + "-" + kuraLine + "-" + platform + ".dp");
    try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(dp), manifest)) {
      // Bundles in the order the manifest names them (Manifest keeps its sections in its own order).
      for (String entry : manifest.getEntries().keySet()) {
        jar.putNextEntry(new JarEntry(entry));
        jar.write(contents.get(entry));
        jar.closeEntry();
      }
    }
    return dp;
  }

  private static void copy(Path from, Path to, String mode) throws IOException {
    Files.createDirectories(to.getParent());
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(mode));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
