// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The lockout the OPC UA server and the installer's page share. */
class LoginThrottleTest {
  private static final long MINUTE = 60_000_000_000L;

  @Test
  void refusesAfterTooManyFailuresUntilTheWindowHasPassed() throws Exception {
    long[] now = {0};
    InetAddress source = InetAddress.getByName("192.0.2.7");
    LoginThrottle throttle = new LoginThrottle(3, MINUTE, 16, () -> now[0]);
    for (int i = 0; i < 3; i++) {
      assertTrue(throttle.allowed(source));
      throttle.failed(source);
      now[0] += 1_000_000_000L;
    }
    assertFalse(throttle.allowed(source), "three failures within the minute");
    now[0] = MINUTE + 500_000_000L;
    assertTrue(throttle.allowed(source), "the first failure has left the window");
    throttle.failed(source);
    assertFalse(throttle.allowed(source));
  }

  /**
   * Issue 12 item 10: the lockout was global, so anyone on the network locked the site's SCADA out
   * by failing logins on purpose. Now it is per source (an IPv6 /64), and the sources kept are
   * bounded.
   */
  @Test
  void aLockoutHoldsOnlyForItsSourceAndTheSourcesKeptAreBounded() throws Exception {
    long[] now = {0};
    LoginThrottle throttle = new LoginThrottle(3, MINUTE, 1024, () -> now[0]);
    InetAddress attacker = InetAddress.getByName("192.0.2.66");
    InetAddress scada = InetAddress.getByName("192.0.2.10");
    for (int i = 0; i < 100; i++) {
      throttle.failed(attacker);
    }
    assertFalse(throttle.allowed(attacker));
    assertTrue(throttle.allowed(scada), "the SCADA panel still logs in");

    InetAddress v6 = InetAddress.getByName("2001:db8:1:2::1");
    for (int i = 0; i < 3; i++) {
      throttle.failed(v6);
    }
    assertFalse(throttle.allowed(InetAddress.getByName("2001:db8:1:2:ffff::9")), "the same /64");
    assertTrue(throttle.allowed(InetAddress.getByName("2001:db8:1:3::1")), "another /64");
    assertEquals(
        LoginThrottle.key(InetAddress.getByName("fd00::1")),
        LoginThrottle.key(InetAddress.getByName("fd00::2")),
        "an IPv6 host is its /64");

    for (int i = 0; i < 100_000; i++) {
      throttle.failed(
          InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}));
    }
    assertEquals(1024, throttle.sources(), "a sweep over 100 000 addresses keeps 1024");
  }

  @Test
  void aSuccessForgetsThatSourcesFailuresOnly() throws Exception {
    long[] now = {0};
    LoginThrottle throttle = new LoginThrottle(3, MINUTE, 16, () -> now[0]);
    InetAddress installer = InetAddress.getByName("192.168.1.10");
    InetAddress other = InetAddress.getByName("192.168.1.11");
    for (int i = 0; i < 2; i++) {
      throttle.failed(installer);
      throttle.failed(other);
    }
    throttle.succeeded(installer);
    throttle.failed(installer);
    throttle.failed(other);
    assertTrue(throttle.allowed(installer), "one failure since the success");
    assertFalse(throttle.allowed(other), "three failures, no success");
  }

  @Test
  void aSettingThatWouldTurnTheLockoutOffIsRefused() {
    // No failure allowed or no source kept would forget every failure at once: a lockout that never
    // locks.
    assertThrows(
        IllegalArgumentException.class, () -> new LoginThrottle(0, MINUTE, 16, System::nanoTime));
    assertThrows(
        IllegalArgumentException.class, () -> new LoginThrottle(3, MINUTE, 0, System::nanoTime));
  }
}
