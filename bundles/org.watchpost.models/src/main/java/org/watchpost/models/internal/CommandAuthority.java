// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.remote.Request;
import org.watchpost.models.packaging.TrustedKeys;
import org.watchpost.models.protocol.CommandSignature;
import org.watchpost.models.protocol.CommandSignature.Claims;
import org.watchpost.models.protocol.CommandSignature.RefusedException;
import org.watchpost.models.protocol.ModelProtocol;

/**
 * The device's policy for signed commands: a trusted console key, this device (or {@code _all}) as
 * target, a validity window that is open now (within the clock skew) and not longer than allowed, a
 * nonce not seen before. Accepted nonces are kept on disk until their command expires, so a replay
 * is refused across restarts too; the store is bounded (a full store refuses new commands until
 * some expire rather than forgetting a live nonce).
 */
final class CommandAuthority {
  private static final Logger LOG = LoggerFactory.getLogger(CommandAuthority.class);

  /** What is kept on disk: nonce to the expiry of its command (ms). */
  static final class Nonces {
    int format = 1;
    Map<String, Long> seen = new HashMap<>();
  }

  private final ModelsSettings settings;
  private final TrustedKeys keys;
  private final StateFile<Nonces> file;
  private final Supplier<String> clientId;
  private final LongSupplier clock;
  private Nonces nonces;

  CommandAuthority(
      ModelsSettings settings, TrustedKeys keys, Supplier<String> clientId, LongSupplier clock) {
    this.settings = settings;
    this.keys = keys;
    this.clientId = clientId;
    this.clock = clock;
    this.file = new StateFile<>(settings.stateDir().resolve("nonces.json"), Nonces.class);
    Nonces read;
    try {
      read = file.read();
    } catch (IOException e) {
      // Commands signed before the loss stay refused by their expiry only; logged loudly, the
      // device goes on.
      LOG.error("the nonce store is unreadable ({}); starting empty", e.getMessage());
      read = null;
    }
    this.nonces = read == null || read.seen == null ? new Nonces() : read;
  }

  static TrustedKeys loadKeys(Path dir) {
    try {
      TrustedKeys k = TrustedKeys.load(dir);
      k.skipped().forEach(s -> LOG.error("console key skipped: {}", s));
      return k;
    } catch (IOException e) {
      LOG.warn("no console keys ({}): every PUT package and EXEC will be refused", e.getMessage());
      return TrustedKeys.of();
    }
  }

  TrustedKeys keys() {
    return keys;
  }

  /**
   * Checks a command and records its nonce.
   *
   * @param deviceScoped true for a rollback token: it must name this device (not {@code _all}) and
   *     live no longer than the rollback token lifetime
   */
  synchronized Claims authorize(Request request, boolean deviceScoped) throws RefusedException {
    Claims claims =
        CommandSignature.verify(
            request.appId(),
            request.method(),
            request.resources(),
            request.requesterClientId(),
            request.metrics(),
            request.body(),
            keys::get);
    String self = clientId.get();
    if (deviceScoped
        ? !claims.target().equals(self)
        : !(claims.target().equals(self) || claims.target().equals(ModelProtocol.EVERY_DEVICE))) {
      throw new RefusedException(
          "command signed for "
              + claims.target()
              + ", not for this device"
              + (deviceScoped ? " (a rollback must name the device)" : ""));
    }
    long now = clock.getAsLong();
    long skew = settings.commandClockSkew().toMillis();
    long lifetime = claims.expiresMillis() - claims.notBeforeMillis();
    long maxLifetime =
        (deviceScoped ? settings.rollbackTokenMax() : settings.commandMaxLifetime()).toMillis();
    if (lifetime <= 0 || lifetime > maxLifetime) {
      throw new RefusedException(
          "command valid for "
              + lifetime / 1000
              + " s; at most "
              + maxLifetime / 1000
              + " s is accepted"
              + (deviceScoped ? " for a rollback" : ""));
    }
    if (now + skew < claims.notBeforeMillis()) {
      throw new RefusedException(
          "command not valid yet (from "
              + java.time.Instant.ofEpochMilli(claims.notBeforeMillis())
              + ", device clock "
              + java.time.Instant.ofEpochMilli(now)
              + ")");
    }
    if (now - skew > claims.expiresMillis()) {
      throw new RefusedException(
          "command expired at " + java.time.Instant.ofEpochMilli(claims.expiresMillis()));
    }
    if (nonces.seen.containsKey(claims.nonce())) {
      throw new RefusedException("command replayed (nonce " + claims.nonce() + " was used before)");
    }
    nonces.seen.values().removeIf(expiry -> expiry + skew < now);
    if (nonces.seen.size() >= settings.commandNoncesMax()) {
      throw new RefusedException(
          "too many live commands (" + nonces.seen.size() + "); try again when some expire");
    }
    nonces.seen.put(claims.nonce(), claims.expiresMillis());
    try {
      file.write(nonces);
    } catch (IOException e) {
      nonces.seen.remove(claims.nonce());
      throw new RefusedException("cannot record the command's nonce: " + e.getMessage());
    }
    return claims;
  }

  synchronized int liveNonces() {
    return nonces.seen.size();
  }
}
