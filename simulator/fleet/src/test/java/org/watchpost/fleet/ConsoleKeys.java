// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import org.watchpost.models.packaging.SigningKeys;

/**
 * The test console's key: made at test time, its public half trusted by the simulated devices of
 * the fleet.
 */
final class ConsoleKeys {
  private ConsoleKeys() {}

  /** Where devices whose model-signing keys are in {@code keysDir} find the console keys. */
  static Path dirFor(Path keysDir) {
    return keysDir.resolveSibling("console-keys");
  }

  /**
   * A console key, written as console.key/console.pub into {@link #dirFor} (the .key as the CLI
   * reads it).
   */
  static KeyPair make(Path keysDir) {
    KeyPair pair = SigningKeys.generate();
    try {
      Path dir = dirFor(keysDir);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("console.pub"), SigningKeys.publicPem(pair.getPublic()));
      Files.writeString(dir.resolve("console.key"), SigningKeys.privatePem(pair.getPrivate()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return pair;
  }

  static FleetConsole signing(FleetConsole console, Path keysDir) {
    try {
      console.signWith(
          FleetConsole.readKey(dirFor(keysDir).resolve("console.key")), Duration.ofMinutes(5));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return console;
  }
}
