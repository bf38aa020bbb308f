// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.natives;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Loads OpenCV and prepares ONNX Runtime from one directory of extracted native libraries, {@value
 * #DIR_PROPERTY} (the launchers set it to {@code var/natives} and put it on {@code
 * java.library.path} too).
 *
 * <p>Both libraries otherwise copy their natives into a new directory under {@code java.io.tmpdir}
 * at every start: openpnp's {@code loadLocally} removes its 63 MB copy only from a shutdown hook,
 * which a kill, a crash or an out-of-memory exit never runs; ONNX Runtime 1.22 only marks its 21 MB
 * for deletion on exit, and its directory before its files, so that even a clean exit leaves the
 * directory. Here each library is copied once and reused while its SHA-256 equals the one the jar
 * carries; a copy cut short (a kill during extraction) or from another version is replaced. Without
 * {@value #DIR_PROPERTY}, or with that directory not on {@code java.library.path} (which the JVM
 * reads only at start), the libraries' own loaders run as before.
 *
 * <p>OpenCV's natives must be loaded by a class of openpnp's own class loader (its {@code Mat} and
 * the other classes bind to the libraries their loader loaded, and a bundle is a class loader of
 * its own), so the library is put where openpnp's {@code loadShared} looks first, {@code
 * java.library.path}, and loaded by it. ONNX Runtime reads the documented {@code
 * onnxruntime.native.path} when it first loads, from its own class loader.
 */
public final class NativeLibraries {
  /**
   * The directory the natives are extracted to and loaded from; unset: the libraries' own temporary
   * copies.
   */
  public static final String DIR_PROPERTY = "watchpost.natives.dir";

  /**
   * ONNX Runtime's documented directory property (ai.onnxruntime.OnnxRuntime,
   * ONNXRUNTIME_NATIVE_PATH).
   */
  public static final String ORT_PATH_PROPERTY = "onnxruntime.native.path";

  private static final System.Logger LOG = System.getLogger(NativeLibraries.class.getName());
  private static final String PART_SUFFIX = ".part";

  /**
   * openpnp classes whose natives are loaded: one per class loader that holds openpnp (a test that
   * runs a framework beside its own class path has two), each binding its own Mats. Weak, so that
   * an uninstalled bundle can go.
   */
  private static final java.util.Set<Class<?>> openCvLoaded =
      java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>());

  private static boolean ortPrepared;

  private NativeLibraries() {}

  /**
   * Loads OpenCV's natives once per JVM, from {@value #DIR_PROPERTY} when that is set and usable.
   *
   * @param openCv openpnp's loader class, {@code nu.pattern.OpenCV.class}: passed in, and called
   *     reflectively, so that this API bundle does not import openpnp's packages and resolves in
   *     frameworks without OpenCV (its {@code System.loadLibrary} runs in openpnp's class however
   *     it is reached)
   */
  public static synchronized void loadOpenCv(Class<?> openCv) {
    if (openCvLoaded.contains(openCv)) {
      return;
    }
    try {
      Path dir = usableDirectory();
      String resource = openCvResource(openCv);
      if (dir == null || resource == null) {
        openCv.getMethod("loadLocally").invoke(null);
      } else {
        ensure(dir, openCv, resource, resource.substring(resource.lastIndexOf('/') + 1));
        // Finds the copy just made on java.library.path; falls back to loadLocally only if it is
        // not there.
        openCv.getMethod("loadShared").invoke(null);
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot load OpenCV through " + openCv.getName(), e);
    }
    openCvLoaded.add(openCv);
  }

  /**
   * Extracts ONNX Runtime's natives to {@value #DIR_PROPERTY} and points {@value
   * #ORT_PATH_PROPERTY} at it; call before ONNX Runtime's first use. {@code anchor} is a class of
   * the class loader that holds ONNX Runtime (an embedding bundle's own), whose resources carry the
   * natives. A {@value #ORT_PATH_PROPERTY} already set wins.
   */
  public static synchronized void prepareOnnxRuntime(Class<?> anchor) {
    if (ortPrepared || System.getProperty(ORT_PATH_PROPERTY) != null) {
      return;
    }
    Path dir = configuredDirectory();
    String platform = ortPlatform();
    if (dir != null && platform != null) {
      for (String library : List.of("onnxruntime", "onnxruntime4j_jni")) {
        String file = System.mapLibraryName(library);
        ensure(dir, anchor, "/ai/onnxruntime/native/" + platform + "/" + file, file);
      }
      System.setProperty(ORT_PATH_PROPERTY, dir.toString());
    }
    ortPrepared = true;
  }

  /**
   * Makes {@code dir/fileName} a complete copy of {@code resource} (read through {@code anchor}):
   * kept when its SHA-256 equals the resource's, otherwise written beside it and renamed over it.
   * Serialised across JVMs by a lock file in {@code dir}, so two processes starting together
   * neither race nor see half a file.
   *
   * @return true when the file was (re)written, false when the copy in place was reused
   */
  public static boolean ensure(Path dir, Class<?> anchor, String resource, String fileName) {
    try {
      Files.createDirectories(dir);
      try (FileChannel lockFile =
              FileChannel.open(
                  dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = lockFile.lock()) {
        removeUnfinished(dir);
        Path target = dir.resolve(fileName);
        byte[] wanted;
        try (InputStream in = open(anchor, resource)) {
          wanted = sha256(in);
        }
        if (Files.isRegularFile(target)) {
          try (InputStream in = Files.newInputStream(target)) {
            if (Arrays.equals(wanted, sha256(in))) {
              return false;
            }
          }
          LOG.log(
              System.Logger.Level.WARNING,
              "replacing {0}: not the copy this build carries (cut short or another version)",
              target);
        }
        Path part = Files.createTempFile(dir, fileName + ".", PART_SUFFIX);
        try (InputStream in = open(anchor, resource);
            FileChannel out =
                FileChannel.open(
                    part, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
          OutputStream stream = Channels.newOutputStream(out);
          in.transferTo(stream);
          out.force(true);
        }
        // A process that has the old file mapped keeps its inode; the next start sees a whole file
        // or none.
        Files.move(
            part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        LOG.log(System.Logger.Level.INFO, "extracted {0} to {1}", resource, target);
        return true;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract " + resource + " to " + dir, e);
    }
  }

  /** The configured directory, or null when none is set. */
  public static Path configuredDirectory() {
    String configured = System.getProperty(DIR_PROPERTY);
    return configured == null || configured.isBlank()
        ? null
        : Path.of(configured).toAbsolutePath().normalize();
  }

  private static Path usableDirectory() {
    Path dir = configuredDirectory();
    if (dir == null) {
      return null;
    }
    String libraryPath = System.getProperty("java.library.path", "");
    for (String entry : libraryPath.split(java.io.File.pathSeparator)) {
      if (!entry.isBlank() && Path.of(entry).toAbsolutePath().normalize().equals(dir)) {
        return dir;
      }
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "{0}={1} is not on java.library.path; OpenCV copies itself to the temporary directory instead",
        DIR_PROPERTY,
        dir);
    return null;
  }

  /**
   * Where openpnp's jar keeps the library for this machine (its OpenCV.extractNativeBinary), Linux
   * only.
   */
  private static String openCvResource(Class<?> openCv) throws ReflectiveOperationException {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return null;
    }
    String arch =
        switch (System.getProperty("os.arch", "")) {
          case "amd64", "x86_64" -> "x86_64";
          case "aarch64" -> "ARMv8";
          case "arm" -> "ARMv7";
          default -> null;
        };
    if (arch == null) {
      return null;
    }
    Object name =
        Class.forName("org.opencv.core.Core", false, openCv.getClassLoader())
            .getField("NATIVE_LIBRARY_NAME")
            .get(null);
    return "/nu/pattern/opencv/linux/" + arch + "/" + System.mapLibraryName((String) name);
  }

  /**
   * ONNX Runtime's resource directory for this machine (its OnnxRuntime.initOsArch), Linux only.
   */
  private static String ortPlatform() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return null;
    }
    return switch (System.getProperty("os.arch", "")) {
      case "amd64", "x86_64" -> "linux-x64";
      case "aarch64" -> "linux-aarch64";
      default -> null;
    };
  }

  private static InputStream open(Class<?> anchor, String resource) throws IOException {
    InputStream in = anchor.getResourceAsStream(resource);
    if (in == null) {
      throw new IOException("no " + resource + " beside " + anchor.getName());
    }
    return in;
  }

  /**
   * Files a kill left half-written; only ever removed under the lock, so never another process's.
   */
  private static void removeUnfinished(Path dir) throws IOException {
    try (DirectoryStream<Path> parts = Files.newDirectoryStream(dir, "*" + PART_SUFFIX)) {
      for (Path part : parts) {
        Files.deleteIfExists(part);
      }
    }
  }

  private static byte[] sha256(InputStream in) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[1 << 16];
    for (int n; (n = in.read(buffer)) > 0; ) {
      digest.update(buffer, 0, n);
    }
    return digest.digest();
  }
}
