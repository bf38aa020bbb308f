// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.Response;
import org.watchpost.models.packaging.TrustedKeys;
import org.watchpost.models.protocol.CommandSignature;

/**
 * Lets through only MODEL-V1 commands a console signed for this device (signature, expiry, nonce,
 * scope: the {@link CommandAuthority}); the version floor is the {@link Pointer}'s. Runs on the
 * uplink's request thread, before anything is queued for the worker; the reason of a refusal stays
 * with that thread until answered.
 */
final class CommandGate {
  private static final Logger LOG = LoggerFactory.getLogger(CommandGate.class);

  private final CommandAuthority authority;
  private final Refusals refusals;

  /** The reason of the refusal this request thread is answering. */
  private final ThreadLocal<String> refusal = new ThreadLocal<>();

  CommandGate(
      ModelsSettings settings, TrustedKeys consoleKeys, Notifier notifier, Refusals refusals) {
    this.authority =
        new CommandAuthority(settings, consoleKeys, notifier::clientId, System::currentTimeMillis);
    this.refusals = refusals;
  }

  /**
   * @return the claims, or null with the reason kept for {@link #refusal()}
   */
  CommandSignature.Claims authorize(Request request, boolean deviceScoped) {
    try {
      return authority.authorize(request, deviceScoped);
    } catch (CommandSignature.RefusedException e) {
      refusals.commandsRefused.incrementAndGet();
      refusals.last(
          request.method()
              + " "
              + ModelManager.printable(request.resource(0))
              + ": "
              + e.getMessage());
      LOG.warn(
          "MODEL-V1 {} {} from {} refused: {}",
          request.method(),
          ModelManager.printable(request.resource(0)),
          ModelManager.printable(request.requesterClientId()),
          e.getMessage());
      refusal.set(e.getMessage());
      return null;
    }
  }

  /** The answer to the request {@link #authorize} refused on this thread. */
  Response refusal() {
    String reason = refusal.get();
    refusal.remove();
    return Response.error(403, "refused: " + reason);
  }

  int liveNonces() {
    return authority.liveNonces();
  }
}
