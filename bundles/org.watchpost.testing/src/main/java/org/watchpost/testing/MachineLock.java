// SPDX-License-Identifier: Apache-2.0
package org.watchpost.testing;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Keeps {@link RunsAlone} classes apart from the other modules' tests when the build runs modules
 * in parallel: every top-level test class holds a shared lock on one file of the build (system
 * property {@code watchpost.test.lock}, set by the parent pom) while it runs, a {@code RunsAlone}
 * class an exclusive one. Registered for every class through JUnit's extension auto-detection
 * (META-INF/services); without the property (a run from an IDE) it does nothing.
 *
 * <p>Operating-system record locks (fcntl), so a killed JVM releases its lock. A second byte of the
 * file is a turnstile that every class passes on its way in and that an exclusive class keeps while
 * it waits: the classes that come after it wait behind it instead of overtaking it for ever.
 */
public final class MachineLock implements BeforeAllCallback, AfterAllCallback {
  public static final String PROPERTY = "watchpost.test.lock";
  private static final long TURNSTILE = 0;
  private static final long ROOM = 1;

  private record Held(FileChannel channel, FileLock lock) {}

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    String file = System.getProperty(PROPERTY);
    if (file == null || file.isBlank() || nested(context)) {
      return;
    }
    Path path = Path.of(file);
    Files.createDirectories(path.toAbsolutePath().getParent());
    FileChannel channel =
        FileChannel.open(
            path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
    boolean alone = context.getRequiredTestClass().isAnnotationPresent(RunsAlone.class);
    try {
      FileLock lock;
      try (FileLock turnstile = channel.lock(TURNSTILE, 1, false)) {
        lock = channel.lock(ROOM, 1, !alone);
      }
      context
          .getStore(ExtensionContext.Namespace.create(MachineLock.class))
          .put(Held.class, new Held(channel, lock));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    Held held =
        context
            .getStore(ExtensionContext.Namespace.create(MachineLock.class))
            .remove(Held.class, Held.class);
    if (held != null) {
      try (FileChannel channel = held.channel()) {
        held.lock().release();
      }
    }
  }

  /** A @Nested class runs inside its enclosing class, which holds the lock already. */
  private static boolean nested(ExtensionContext context) {
    return context.getParent().flatMap(ExtensionContext::getTestClass).isPresent();
  }
}
