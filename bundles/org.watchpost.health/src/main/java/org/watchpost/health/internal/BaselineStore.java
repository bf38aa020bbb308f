// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One baseline file per camera in a directory. Writes are atomic (a synced temporary file moved
 * over the old one), so a power cut leaves the old baseline or the new one, never a torn file. A
 * file that cannot be read is moved aside and the camera learns again.
 */
final class BaselineStore {
  private static final Logger LOG = LoggerFactory.getLogger(BaselineStore.class);
  private static final String SUFFIX = ".baseline.json";

  private final Path directory;

  BaselineStore(Path directory) {
    this.directory = directory;
  }

  Path directory() {
    return directory;
  }

  /** The file of a camera; the id is URL-encoded so that any id is one safe file name. */
  Path fileFor(String cameraId) {
    return directory.resolve(URLEncoder.encode(cameraId, StandardCharsets.UTF_8) + SUFFIX);
  }

  /**
   * The camera's stored baseline, or empty when there is none or it was unusable (then it is moved
   * aside).
   */
  Optional<StoredBaseline> load(String cameraId) {
    Path file = fileFor(cameraId);
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(BaselineCodec.MAX_BYTES + 1);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.warn(
          "camera {}: cannot read baseline {}: {}; learning a new one",
          cameraId,
          file,
          e.getMessage());
      return Optional.empty();
    }
    try {
      StoredBaseline stored = BaselineCodec.decode(bytes);
      if (!stored.cameraId().equals(cameraId)) {
        throw new BaselineFormatException("it belongs to camera " + stored.cameraId());
      }
      return Optional.of(stored);
    } catch (BaselineFormatException e) {
      Path aside = file.resolveSibling(file.getFileName() + ".unusable");
      LOG.warn(
          "camera {}: baseline {} is unusable ({}); moved to {} and learning a new one",
          cameraId,
          file,
          e.getMessage(),
          aside.getFileName());
      try {
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException moveFailed) {
        LOG.warn("camera {}: could not move {} aside: {}", cameraId, file, moveFailed.getMessage());
      }
      return Optional.empty();
    }
  }

  void save(StoredBaseline stored) throws IOException {
    byte[] bytes = BaselineCodec.encode(stored);
    Files.createDirectories(directory);
    Path file = fileFor(stored.cameraId());
    Path temporary = Files.createTempFile(directory, ".baseline-", ".tmp");
    try {
      try (FileChannel channel =
          FileChannel.open(
              temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(
          temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }
}
