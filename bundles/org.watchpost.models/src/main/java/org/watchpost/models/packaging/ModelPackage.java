// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.packaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A model package on disk: a zip of {@code manifest.json}, {@code manifest.sig} and the files the
 * manifest lists. {@link #open} checks everything that can be checked without unpacking (size,
 * entry names, signature, manifest); {@link #extractTo} unpacks with every entry bounded by its
 * signed size and checked against its signed SHA-256, so that a tampered, truncated or bomb package
 * is rejected before anything of it is used.
 */
public final class ModelPackage implements AutoCloseable {
  private final Path file;
  private final ZipFile zip;
  private final byte[] manifestBytes;
  private final PackageManifest manifest;
  private final PackageSignature signature;

  private ModelPackage(
      Path file,
      ZipFile zip,
      byte[] manifestBytes,
      PackageManifest manifest,
      PackageSignature signature) {
    this.file = file;
    this.zip = zip;
    this.manifestBytes = manifestBytes;
    this.manifest = manifest;
    this.signature = signature;
  }

  /**
   * Writes a package: the manifest and signature first (a reader needs nothing else to decide),
   * then the files.
   *
   * @param files path in the package to the file to put there
   */
  public static void write(
      Path out, byte[] manifestJson, PackageSignature signature, Map<String, Path> files)
      throws IOException {
    Path partial = out.resolveSibling(out.getFileName() + ".partial");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(partial))) {
      put(zip, PackageManifest.MANIFEST, manifestJson);
      put(zip, PackageManifest.SIGNATURE, signature.toJson());
      for (Map.Entry<String, Path> f : files.entrySet()) {
        zip.putNextEntry(new ZipEntry(f.getKey()));
        Files.copy(f.getValue(), zip);
        zip.closeEntry();
      }
    }
    Files.move(
        partial,
        out,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(bytes);
    zip.closeEntry();
  }

  /**
   * Opens a package and checks its size, entry names, signature and manifest.
   *
   * @throws PackageRejectedException with the reason; nothing has been unpacked
   */
  public static ModelPackage open(Path file, PackageLimits limits, TrustedKeys keys)
      throws PackageRejectedException {
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      throw new PackageRejectedException(
          Rejection.TRUNCATED, "package " + file + " does not exist");
    } catch (IOException e) {
      throw new PackageRejectedException(
          Rejection.MALFORMED, "cannot read package " + file + ": " + e.getMessage(), e);
    }
    if (size > limits.maxPackageBytes()) {
      throw new PackageRejectedException(
          Rejection.TOO_LARGE,
          "package is " + size + " bytes, more than the limit of " + limits.maxPackageBytes());
    }
    ZipFile zip;
    try {
      zip = new ZipFile(file.toFile());
    } catch (ZipException e) {
      throw new PackageRejectedException(
          Rejection.TRUNCATED,
          "package "
              + file.getFileName()
              + " is not a complete zip ("
              + e.getMessage()
              + "): truncated transfer or not a package",
          e);
    } catch (IOException e) {
      throw new PackageRejectedException(
          Rejection.MALFORMED, "cannot open package " + file + ": " + e.getMessage(), e);
    }
    try {
      List<String> names = entryNames(zip, limits);
      if (!names.contains(PackageManifest.MANIFEST) || !names.contains(PackageManifest.SIGNATURE)) {
        throw new PackageRejectedException(
            Rejection.MALFORMED,
            "package lacks " + PackageManifest.MANIFEST + " or " + PackageManifest.SIGNATURE);
      }
      byte[] sigBytes = readBounded(zip, PackageManifest.SIGNATURE, PackageSignature.MAX_BYTES);
      byte[] manifestBytes = readBounded(zip, PackageManifest.MANIFEST, PackageManifest.MAX_BYTES);
      PackageSignature signature = PackageSignature.parse(sigBytes);
      signature.verify(manifestBytes, keys);
      PackageManifest manifest = PackageManifest.parse(manifestBytes);
      if (manifest.unpackedBytes() > limits.maxUnpackedBytes()) {
        throw new PackageRejectedException(
            Rejection.TOO_LARGE,
            "package unpacks to "
                + manifest.unpackedBytes()
                + " bytes, more than the limit of "
                + limits.maxUnpackedBytes());
      }
      for (String name : names) {
        if (!name.equals(PackageManifest.MANIFEST)
            && !name.equals(PackageManifest.SIGNATURE)
            && !manifest.files().containsKey(name)) {
          throw new PackageRejectedException(
              Rejection.UNSAFE_PATH,
              "package holds '" + name + "', which its signed manifest does not list");
        }
      }
      for (String listed : manifest.files().keySet()) {
        if (!names.contains(listed)) {
          throw new PackageRejectedException(
              Rejection.TRUNCATED, "package lacks " + listed + ", which its manifest lists");
        }
      }
      return new ModelPackage(file, zip, manifestBytes, manifest, signature);
    } catch (PackageRejectedException | RuntimeException e) {
      closeQuietly(zip);
      throw e;
    }
  }

  private static List<String> entryNames(ZipFile zip, PackageLimits limits)
      throws PackageRejectedException {
    List<String> names = new ArrayList<>();
    Enumeration<? extends ZipEntry> entries = zip.entries();
    while (entries.hasMoreElements()) {
      ZipEntry entry = entries.nextElement();
      String name = entry.getName();
      if (!name.equals(PackageManifest.MANIFEST)
          && !name.equals(PackageManifest.SIGNATURE)
          && !PackageManifest.isSafePath(name)) {
        throw new PackageRejectedException(
            Rejection.UNSAFE_PATH,
            "package entry '"
                + name
                + "' is not a plain relative path inside the package (path traversal?)");
      }
      if (names.contains(name)) {
        throw new PackageRejectedException(
            Rejection.MALFORMED, "package holds '" + name + "' twice");
      }
      names.add(name);
      if (names.size() > limits.maxEntries()) {
        throw new PackageRejectedException(
            Rejection.TOO_LARGE, "package has more than " + limits.maxEntries() + " entries");
      }
    }
    return names;
  }

  private static byte[] readBounded(ZipFile zip, String name, int limit)
      throws PackageRejectedException {
    try (InputStream in = zip.getInputStream(zip.getEntry(name))) {
      byte[] bytes = in.readNBytes(limit + 1);
      if (bytes.length > limit) {
        throw new PackageRejectedException(
            Rejection.DECOMPRESSION_BOMB, name + " expands past " + limit + " bytes");
      }
      return bytes;
    } catch (ZipException e) {
      throw new PackageRejectedException(
          Rejection.MALFORMED, "entry " + name + " cannot be read: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new PackageRejectedException(
          Rejection.TRUNCATED, "entry " + name + " cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * Unpacks every listed file under {@code directory} (which must be empty or absent), each bounded
   * by its signed size and checked against its signed SHA-256, and forced to disk; with the
   * manifest and signature beside them. On a rejection the directory may hold part of the files;
   * the caller deletes it.
   */
  public void extractTo(Path directory) throws PackageRejectedException, IOException {
    Files.createDirectories(directory);
    Path root = directory.toRealPath();
    for (Map.Entry<String, PackageManifest.FileEntry> listed : manifest.files().entrySet()) {
      Path target = root.resolve(listed.getKey()).normalize();
      if (!target.startsWith(root)) {
        throw new PackageRejectedException(
            Rejection.UNSAFE_PATH, listed.getKey() + " would land outside " + root);
      }
      Files.createDirectories(target.getParent());
      extractOne(listed.getKey(), listed.getValue(), target);
    }
    writeSynced(root.resolve(PackageManifest.MANIFEST), manifestBytes);
    writeSynced(root.resolve(PackageManifest.SIGNATURE), signature.toJson());
  }

  private void extractOne(String name, PackageManifest.FileEntry expected, Path target)
      throws PackageRejectedException, IOException {
    MessageDigest digest = sha256();
    long written = 0;
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = new DigestInputStream(zip.getInputStream(zip.getEntry(name)), digest);
        FileChannel out =
            FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        written += n;
        if (written > expected.size()) {
          throw new PackageRejectedException(
              Rejection.DECOMPRESSION_BOMB,
              name
                  + " expands past the "
                  + expected.size()
                  + " bytes its signed manifest declares; unpacking stopped");
        }
        out.write(java.nio.ByteBuffer.wrap(buffer, 0, n));
      }
      out.force(true);
    } catch (ZipException | java.io.EOFException e) {
      throw new PackageRejectedException(
          Rejection.HASH_MISMATCH, name + " is corrupt in the package: " + e.getMessage(), e);
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    if (written != expected.size() || !actual.equals(expected.sha256())) {
      throw new PackageRejectedException(
          Rejection.HASH_MISMATCH,
          name
              + " has "
              + written
              + " bytes with SHA-256 "
              + actual
              + "; the signed manifest says "
              + expected.size()
              + " bytes with "
              + expected.sha256());
    }
  }

  static void writeSynced(Path target, byte[] bytes) throws IOException {
    try (FileChannel out =
        FileChannel.open(
            target,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      out.write(java.nio.ByteBuffer.wrap(bytes));
      out.force(true);
    }
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /** The SHA-256 of a file, in hex. */
  public static String sha256Of(Path file) throws IOException {
    MessageDigest digest = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Every file's SHA-256 and size, as a manifest's {@code files} lists them. */
  public static Map<String, PackageManifest.FileEntry> describe(Map<String, Path> files)
      throws IOException {
    Map<String, PackageManifest.FileEntry> out = new LinkedHashMap<>();
    for (Map.Entry<String, Path> f : files.entrySet()) {
      out.put(
          f.getKey(),
          new PackageManifest.FileEntry(sha256Of(f.getValue()), Files.size(f.getValue())));
    }
    return out;
  }

  public Path file() {
    return file;
  }

  public PackageManifest manifest() {
    return manifest;
  }

  public byte[] manifestBytes() {
    return manifestBytes.clone();
  }

  public PackageSignature signature() {
    return signature;
  }

  private static void closeQuietly(ZipFile zip) {
    try {
      zip.close();
    } catch (IOException ignored) {
      // nothing was read from it
    }
  }

  @Override
  public void close() {
    closeQuietly(zip);
  }
}
