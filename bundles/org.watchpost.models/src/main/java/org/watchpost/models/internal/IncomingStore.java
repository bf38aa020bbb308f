// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Transfers in progress: {@code incoming/JOB.json} (what is expected, how far it got) and {@code
 * incoming/JOB.part} (the bytes). The recorded offset only moves forward after the bytes before it
 * are forced to disk; on resume the part file is cut back to it, so whatever a power cut left past
 * it is fetched again.
 */
final class IncomingStore {
  private final Path dir;

  IncomingStore(Path stateDir) {
    this.dir = stateDir.resolve("incoming");
  }

  Path part(String job) {
    return dir.resolve(job + ".part");
  }

  private StateFile<TransferRecord> recordFile(String job) {
    return new StateFile<>(dir.resolve(job + ".json"), TransferRecord.class);
  }

  List<TransferRecord> all() throws IOException {
    Files.createDirectories(dir);
    List<TransferRecord> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (name.endsWith(".json")) {
          TransferRecord r = recordFile(name.substring(0, name.length() - 5)).read();
          if (r != null) {
            out.add(r);
          }
        } else if (name.endsWith(".tmp")
            || name.endsWith(".hashes")
                && !Files.exists(dir.resolve(name.substring(0, name.length() - 7) + ".json"))) {
          Files.deleteIfExists(f);
        }
      }
    }
    return out;
  }

  /**
   * Starts a record, or gives back the one for the same job; the part file is cut to its offset.
   */
  TransferRecord open(TransferRecord fresh) throws IOException {
    Files.createDirectories(dir);
    TransferRecord existing = recordFile(fresh.job).read();
    TransferRecord record =
        existing != null && existing.sha256.equals(fresh.sha256) && existing.size == fresh.size
            ? existing
            : fresh;
    if (record == fresh) {
      record.offset = 0;
      Files.deleteIfExists(part(record.job));
    } else {
      record.requester = fresh.requester;
      record.transport = fresh.transport;
      record.url = fresh.url;
      record.activate = fresh.activate;
    }
    truncate(record);
    save(record);
    return record;
  }

  /**
   * Cuts the part file back to the recorded offset (a crash may have left unforced bytes past it).
   */
  void truncate(TransferRecord record) throws IOException {
    try (FileChannel out =
        FileChannel.open(part(record.job), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      if (out.size() > record.offset) {
        out.truncate(record.offset);
      } else if (out.size() < record.offset) {
        record.offset = out.size();
      }
      out.force(true);
    }
  }

  /** Writes bytes at the record's offset; the offset is not advanced (see {@link #commit}). */
  void append(TransferRecord record, long at, byte[] bytes, int length) throws IOException {
    try (FileChannel out =
        FileChannel.open(part(record.job), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      out.write(ByteBuffer.wrap(bytes, 0, length), at);
    }
  }

  /** Forces the part file and records the new offset. */
  void commit(TransferRecord record, long offset) throws IOException {
    try (FileChannel out = FileChannel.open(part(record.job), StandardOpenOption.WRITE)) {
      out.force(true);
    }
    CrashPoints.reach("chunk-forced");
    record.offset = offset;
    save(record);
  }

  void save(TransferRecord record) throws IOException {
    recordFile(record.job).write(record);
  }

  Path hashes(String job) {
    return dir.resolve(job + ".hashes");
  }

  /**
   * Keeps the signed block hash list of an MQTT transfer beside it, for a resume after a restart.
   */
  void saveHashes(String job, byte[] hashes) throws IOException {
    StateFile.write(hashes(job), hashes);
  }

  byte[] readHashes(String job, int maxBytes) throws IOException {
    Path file = hashes(job);
    if (!Files.isRegularFile(file) || Files.size(file) > maxBytes) {
      return null;
    }
    return Files.readAllBytes(file);
  }

  void delete(String job) throws IOException {
    Files.deleteIfExists(hashes(job));
    Files.deleteIfExists(dir.resolve(job + ".json"));
    Files.deleteIfExists(part(job));
  }
}
