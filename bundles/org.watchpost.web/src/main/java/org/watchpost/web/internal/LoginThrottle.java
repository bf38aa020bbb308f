package org.watchpost.web.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Lockout per source address, as the OPC UA server does it: after too many failed logins from one source within
 * the window, its logins are refused unchecked until the window has passed. Per source so that nobody on the LAN
 * can lock the installer out by failing on purpose; an IPv6 source is its /64. The table is bounded (least
 * recently seen forgotten first), so a sweep over many addresses cannot grow it.
 */
final class LoginThrottle {
  private final int maxFailures;
  private final long windowNanos;
  private final LongSupplier clock;
  private final Map<String, ArrayDeque<Long>> failures;

  LoginThrottle(int maxFailures, long windowNanos, int maxSources, LongSupplier clock) {
    this.maxFailures = maxFailures;
    this.windowNanos = windowNanos;
    this.clock = clock;
    this.failures = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<Long>> eldest) {
        return size() > maxSources;
      }
    };
  }

  synchronized boolean allowed(InetAddress source) {
    ArrayDeque<Long> times = failures.get(key(source));
    if (times == null) {
      return true;
    }
    long now = clock.getAsLong();
    while (!times.isEmpty() && now - times.peekFirst() > windowNanos) {
      times.pollFirst();
    }
    if (times.isEmpty()) {
      failures.remove(key(source));
      return true;
    }
    return times.size() < maxFailures;
  }

  synchronized void failed(InetAddress source) {
    ArrayDeque<Long> times = failures.computeIfAbsent(key(source), k -> new ArrayDeque<>());
    times.addLast(clock.getAsLong());
    while (times.size() > maxFailures) {
      times.pollFirst();
    }
  }

  synchronized void succeeded(InetAddress source) {
    failures.remove(key(source));
  }

  synchronized int sources() {
    return failures.size();
  }

  static String key(InetAddress source) {
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
