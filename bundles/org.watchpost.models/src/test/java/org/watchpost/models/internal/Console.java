// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.watchpost.api.remote.Request;
import org.watchpost.models.packaging.SigningKeys;
import org.watchpost.models.protocol.BlockHashes;
import org.watchpost.models.protocol.CommandSignature;
import org.watchpost.models.protocol.ModelProtocol;

/**
 * A console key of the test's own, trusted by the device in {@code consoleKeysDir}, that signs
 * commands as the rollout console does.
 */
final class Console {
  static final int BLOCK = 4096;
  final KeyPair key;
  final Path keysDir;

  Console(Path consoleKeysDir) {
    this.keysDir = consoleKeysDir;
    this.key = SigningKeys.generate();
    try {
      Files.createDirectories(consoleKeysDir);
      Files.writeString(
          consoleKeysDir.resolve("console.pub"), SigningKeys.publicPem(key.getPublic()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The request with a signature for the target, valid from a minute ago for ten minutes. */
  Request sign(Request r, String target) {
    long now = System.currentTimeMillis();
    return sign(r, target, now - 60_000, now + 600_000);
  }

  Request sign(Request r, String target, long notBefore, long expires) {
    Map<String, Object> m = new LinkedHashMap<>(r.metrics());
    m.putAll(
        CommandSignature.sign(
            r.appId(),
            r.method(),
            r.resources(),
            r.requesterClientId(),
            r.metrics(),
            r.body(),
            target,
            notBefore,
            expires,
            key.getPrivate(),
            key.getPublic()));
    return new Request(
        r.appId(), r.method(), r.resources(), r.requestId(), r.requesterClientId(), m, r.body());
  }

  /** PUT package over MQTT with the hash list of the package's blocks as body. */
  static Request putMqtt(Path pkg, String job, boolean activate, Map<String, Object> extra) {
    return putMqtt(pkg, job, activate, extra, BLOCK);
  }

  /** PUT package over MQTT whose hash list has blocks of {@code block} bytes. */
  static Request putMqtt(
      Path pkg, String job, boolean activate, Map<String, Object> extra, int block) {
    try {
      Map<String, Object> m =
          new LinkedHashMap<>(
              Map.of(
                  ModelProtocol.JOB_ID,
                  job,
                  ModelProtocol.PACKAGE_SHA256,
                  org.watchpost.models.packaging.ModelPackage.sha256Of(pkg),
                  ModelProtocol.PACKAGE_SIZE,
                  Files.size(pkg),
                  ModelProtocol.TRANSPORT,
                  ModelProtocol.TRANSPORT_MQTT,
                  ModelProtocol.ACTIVATE,
                  activate,
                  ModelProtocol.BLOCK_SIZE,
                  block));
      m.putAll(extra);
      return new Request(
          ModelProtocol.APP_ID,
          "PUT",
          List.of(ModelProtocol.RESOURCE_PACKAGE),
          "r-" + job,
          "console",
          m,
          BlockHashes.of(pkg, block));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
