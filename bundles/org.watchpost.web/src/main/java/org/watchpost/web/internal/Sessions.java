// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Logged-in sessions: a random 256-bit id in an HttpOnly, Secure, SameSite=Strict cookie, and a
 * separate random CSRF token the page sends in a header with every state-changing request (OWASP's
 * synchronizer token). Bounded: the oldest session ends first; idle ones end after the idle
 * timeout, every one after the absolute lifetime.
 */
final class Sessions {
  static final String COOKIE = "wp_session";
  static final long MAX_LIFETIME_NANOS = 12L * 3600 * 1_000_000_000L;

  record Session(String id, String csrf, long createdNanos, long[] lastNanos) {}

  private final SecureRandom random;
  private final long idleNanos;
  private final LongSupplier clock;
  private final Map<String, Session> sessions;

  Sessions(SecureRandom random, long idleNanos, int max, LongSupplier clock) {
    this.random = random;
    this.idleNanos = idleNanos;
    this.clock = clock;
    this.sessions =
        new LinkedHashMap<>(16, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Session> eldest) {
            return size() > max;
          }
        };
  }

  synchronized Session open() {
    long now = clock.getAsLong();
    Session s = new Session(token(), token(), now, new long[] {now});
    sessions.put(s.id(), s);
    return s;
  }

  /**
   * The live session of this id, touched; null when there is none (unknown, idle too long, too
   * old).
   */
  synchronized Session find(String id) {
    if (id == null || id.length() > 64) {
      return null;
    }
    Session s = sessions.get(id);
    if (s == null) {
      return null;
    }
    long now = clock.getAsLong();
    if (now - s.lastNanos()[0] > idleNanos || now - s.createdNanos() > MAX_LIFETIME_NANOS) {
      sessions.remove(id);
      return null;
    }
    s.lastNanos()[0] = now;
    return s;
  }

  synchronized void close(String id) {
    if (id != null) {
      sessions.remove(id);
    }
  }

  synchronized int size() {
    return sessions.size();
  }

  static boolean csrfMatches(Session session, String token) {
    return token != null
        && MessageDigest.isEqual(
            session.csrf().getBytes(StandardCharsets.US_ASCII),
            token.getBytes(StandardCharsets.US_ASCII));
  }

  private String token() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
