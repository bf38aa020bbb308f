// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small, size-limited tmpfs that a test mounts (root only), fills up and frees again: a disk that
 * fills up for real, so that SQLite and the JVM see ENOSPC as in the field. Unmounted on close.
 */
public final class SizeLimitedDisk implements AutoCloseable {
  private final Path mountPoint;
  private final Path filler;

  private SizeLimitedDisk(Path mountPoint) {
    this.mountPoint = mountPoint;
    this.filler = mountPoint.resolve("filler");
  }

  /**
   * Mounts a tmpfs of {@code bytes} at {@code mountPoint}.
   *
   * @return the disk, or null when this process may not mount (not root), with the reason on stderr
   */
  public static SizeLimitedDisk mount(Path mountPoint, long bytes) {
    try {
      Files.createDirectories(mountPoint);
      Process p =
          new ProcessBuilder(
                  "mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", mountPoint.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        System.err.println("cannot mount a tmpfs at " + mountPoint + ": " + out.strip());
        return null;
      }
      return new SizeLimitedDisk(mountPoint);
    } catch (IOException e) {
      System.err.println("cannot mount a tmpfs at " + mountPoint + ": " + e.getMessage());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  public Path path() {
    return mountPoint;
  }

  /** Writes a file until the disk is full; returns the bytes it took. */
  public long fill() {
    long written = 0;
    byte[] block = new byte[64 * 1024];
    try (OutputStream out = Files.newOutputStream(filler)) {
      while (true) {
        out.write(block);
        written += block.length;
      }
    } catch (IOException full) {
      // ENOSPC: what was asked for
    }
    // Smaller writes take the last partial block too.
    try (OutputStream out =
        Files.newOutputStream(filler, java.nio.file.StandardOpenOption.APPEND)) {
      while (true) {
        out.write(0);
        out.flush();
        written++;
      }
    } catch (IOException full) {
      return written;
    }
  }

  /** Deletes the filler: the disk has room again. */
  public void free() {
    try {
      Files.deleteIfExists(filler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      Process p =
          new ProcessBuilder("umount", "-l", mountPoint.toString())
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
