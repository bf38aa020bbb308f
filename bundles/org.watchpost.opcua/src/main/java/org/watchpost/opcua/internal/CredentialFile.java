// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credential a device generates for itself when none is configured (ETSI EN 303 645 provision
 * 5.1: no universal default password). On first start a unique password is generated, printed once
 * on the console, and only its PBKDF2 hash is kept, in a file readable by the service user alone.
 * Losing the password means deleting the file: the next start generates and prints a new one.
 */
final class CredentialFile {
  static final String USER = "watchpost";
  private static final Logger LOG = LoggerFactory.getLogger(CredentialFile.class);
  private static final int MAX_BYTES = 4096;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIR =
      PosixFilePermissions.fromString("rwx------");

  private CredentialFile() {}

  /**
   * The configured users, or else the generated credential, creating it (and printing it) when
   * there is none.
   *
   * @param origin where the configured users come from, for errors (the configuration and the file
   *     it was read from)
   */
  static Users users(
      String[] configured, String origin, Path file, SecureRandom random, PrintStream console)
      throws IOException {
    if (configured.length > 0) {
      try {
        return Users.parse(configured);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("OPC UA users of " + origin + ": " + e.getMessage(), e);
      }
    }
    Path absolute = file.toAbsolutePath();
    if (Files.exists(absolute)) {
      return read(absolute);
    }
    String password = Users.generatePassword(random);
    write(absolute, USER + ":" + Users.hash(password, random) + "\n");
    console.println(
        """
        ==========================================================================
        OPC UA: no user is configured, so this device made its own credential.
          user:     %s
          password: %s
        It is shown this once. Only its hash is kept, in %s
        (readable by this service's user only); delete that file to get a new one.
        =========================================================================="""
            .formatted(USER, password, absolute));
    console.flush();
    LOG.info("OPC UA: generated the credential of user {}; its hash is kept in {}", USER, absolute);
    return read(absolute);
  }

  static Users read(Path file) throws IOException {
    if (Files.size(file) > MAX_BYTES) {
      throw new IOException(
          "the OPC UA credential file "
              + file
              + " is larger than "
              + MAX_BYTES
              + " bytes; not a credential file");
    }
    ensureOwnerOnly(file);
    return parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), file);
  }

  /** The one line of a credential file: name:pbkdf2-sha256:... (a configured-style entry). */
  static Users parse(String content, Path file) throws IOException {
    String text = content.strip();
    if (text.isEmpty() || text.contains("\n")) {
      throw new IOException(
          "the OPC UA credential file "
              + file
              + " must hold exactly one line name:"
              + Users.HASH_SCHEME
              + ":...; delete it to have a new credential generated");
    }
    try {
      return Users.parse(new String[] {text});
    } catch (IllegalArgumentException e) {
      throw new IOException(
          "the OPC UA credential file "
              + file
              + ", line 1, is not valid ("
              + e.getMessage()
              + "); delete it to have a new credential generated",
          e);
    }
  }

  private static void ensureOwnerOnly(Path file) throws IOException {
    if (!posix(file)) {
      return;
    }
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
    if (!OWNER_ONLY.containsAll(permissions)) {
      LOG.warn(
          "the OPC UA credential file {} was readable by others ({}); set to owner only",
          file,
          PosixFilePermissions.toString(permissions));
      Files.setPosixFilePermissions(file, OWNER_ONLY);
    }
  }

  /**
   * Written whole or not at all: a temporary file, owner-only from its creation, synced, then
   * moved.
   */
  private static void write(Path file, String content) throws IOException {
    Path directory = file.getParent();
    if (!Files.isDirectory(directory)) {
      if (posix(directory.getRoot())) {
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
      } else {
        Files.createDirectories(directory);
      }
    }
    Path temporary = directory.resolve(file.getFileName() + ".tmp");
    Files.deleteIfExists(temporary);
    if (posix(directory)) {
      Files.createFile(temporary, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } else {
      Files.createFile(temporary);
    }
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
      channel.write(StandardCharsets.UTF_8.encode(content));
      channel.force(true);
    }
    try {
      Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temporary, file);
    } catch (FileAlreadyExistsException e) {
      Files.deleteIfExists(temporary);
      throw e;
    }
  }

  private static boolean posix(Path path) {
    return path != null && path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
