// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A small JSON file replaced as a whole: written beside itself, forced to disk, renamed over the
 * old one (atomic on POSIX file systems), and the directory forced, so that after a power cut it is
 * the old or the new content, never a mix.
 */
final class StateFile<T> {
  private static final int MAX_BYTES = 1 << 20;
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().create();

  private final Path file;
  private final Class<T> type;

  StateFile(Path file, Class<T> type) {
    this.file = file;
    this.type = type;
  }

  /**
   * @return the content, or null when there is no file yet
   */
  T read() throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    if (Files.size(file) > MAX_BYTES) {
      throw new IOException(file + " is larger than " + MAX_BYTES + " bytes");
    }
    try {
      return GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), type);
    } catch (JsonParseException | IllegalStateException e) {
      throw new IOException(file + " is not valid: " + e.getMessage(), e);
    }
  }

  void write(T value) throws IOException {
    write(file, GSON.toJson(value).getBytes(StandardCharsets.UTF_8));
  }

  static void write(Path file, byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temporary = dir.resolve(file.getFileName() + ".tmp");
    try (FileChannel out =
        FileChannel.open(
            temporary,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      out.write(ByteBuffer.wrap(bytes));
      out.force(true);
    }
    CrashPoints.reach("state-written");
    Files.move(
        temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    forceDirectory(dir);
  }

  /** Makes a rename in this directory durable. */
  static void forceDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some file systems cannot open a directory for syncing; the rename is still atomic there.
      if (!e.getMessage().contains("Is a directory")) {
        throw e;
      }
    }
  }
}
