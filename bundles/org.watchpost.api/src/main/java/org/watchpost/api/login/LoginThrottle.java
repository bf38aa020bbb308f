// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.login;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Makes guessing passwords over the network impracticable (ETSI EN 303 645 provision 5.1-5): after
 * too many failed logins from one source within a window, logins from that source are refused
 * without checking them until the window has passed. Per source, so that anyone on the network
 * cannot lock the site's SCADA or the installer out by failing logins on purpose (as fail2ban and
 * OpenSSH's PerSourcePenalties do); an IPv6 source is its /64, the block one host usually holds.
 * The sources remembered are bounded (least recently seen forgotten first), so a sweep over many
 * addresses cannot grow the table; each check also costs a PBKDF2 hash, which the per-source limit
 * bounds as well.
 *
 * <p>One implementation for every login the device offers (OPC UA, the installer's page), so that a
 * fix to the lockout reaches all of them. Thread-safe.
 */
public final class LoginThrottle {
  private final int maxFailures;
  private final long windowNanos;
  private final LongSupplier clock;
  private final Map<String, ArrayDeque<Long>> failures;

  /**
   * @param maxFailures failures within the window after which a source is refused
   * @param windowNanos how long a failure counts, in the clock's nanoseconds
   * @param maxSources the most sources remembered; the least recently seen is forgotten first
   * @param clock monotonic nanoseconds ({@code System::nanoTime} on the device)
   */
  public LoginThrottle(int maxFailures, long windowNanos, int maxSources, LongSupplier clock) {
    if (maxFailures < 1 || windowNanos < 0 || maxSources < 1) {
      throw new IllegalArgumentException(
          "login throttle: failures "
              + maxFailures
              + ", window "
              + windowNanos
              + " ns, sources "
              + maxSources
              + " (need at least 1 failure, a window of 0 or more, 1 source)");
    }
    this.maxFailures = maxFailures;
    this.windowNanos = windowNanos;
    this.clock = clock;
    this.failures =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<Long>> eldest) {
            return size() > maxSources;
          }
        };
  }

  /** Whether a login from this source may be checked now. */
  public synchronized boolean allowed(InetAddress source) {
    String key = key(source);
    ArrayDeque<Long> times = failures.get(key);
    if (times == null) {
      return true;
    }
    long now = clock.getAsLong();
    while (!times.isEmpty() && now - times.peekFirst() > windowNanos) {
      times.pollFirst();
    }
    if (times.isEmpty()) {
      failures.remove(key);
      return true;
    }
    return times.size() < maxFailures;
  }

  /** A login from this source failed. */
  public synchronized void failed(InetAddress source) {
    ArrayDeque<Long> times = failures.computeIfAbsent(key(source), k -> new ArrayDeque<>());
    times.addLast(clock.getAsLong());
    while (times.size() > maxFailures) {
      times.pollFirst();
    }
  }

  /**
   * A login from this source succeeded: its failures are forgotten. A caller whose accounts are
   * many and may be shared (OPC UA) need not call it, so that one known account does not reset
   * guessing at the others.
   */
  public synchronized void succeeded(InetAddress source) {
    failures.remove(key(source));
  }

  /** How many sources are remembered now. */
  public synchronized int sources() {
    return failures.size();
  }

  /** The source as the throttle counts it, fit for a log line: an IPv4 address, or an IPv6 /64. */
  public static String key(InetAddress source) {
    if (source == null) {
      return "unknown";
    }
    if (source instanceof Inet6Address) {
      byte[] a = source.getAddress();
      StringBuilder prefix = new StringBuilder();
      for (int i = 0; i < 8; i += 2) {
        prefix.append(String.format("%02x%02x:", a[i], a[i + 1]));
      }
      return prefix.append(":/64").toString();
    }
    return source.getHostAddress();
  }
}
