// SPDX-License-Identifier: Apache-2.0
package org.watchpost.web.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The page's login, sessions, lockout and source filter, on their own. */
class WebSecurityTest {
  private static final Path SCRATCH = Path.of("target", "web-security-test");

  @Test
  void credentialIsPrintedOnceAndKeptOnlyAsAnOwnerOnlyHash() throws Exception {
    Path file = SCRATCH.resolve("cred-" + System.nanoTime()).resolve("credential");
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    Credential made =
        Credential.loadOrCreate(
            file, new SecureRandom(), new PrintStream(console, true, StandardCharsets.UTF_8));
    Matcher m =
        Pattern.compile("password: (\\S+)").matcher(console.toString(StandardCharsets.UTF_8));
    assertTrue(m.find(), "printed once");
    String password = m.group(1);
    String kept = Files.readString(file);
    assertTrue(kept.startsWith("pbkdf2-sha256:100000:"), kept);
    assertFalse(kept.contains(password), "the password itself is not kept");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(made.matches("installer", password));
    assertFalse(made.matches("installer", password + "x"));
    assertFalse(made.matches("admin", password));
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    Credential loaded =
        Credential.loadOrCreate(
            file, new SecureRandom(), new PrintStream(again, true, StandardCharsets.UTF_8));
    assertEquals("", again.toString(StandardCharsets.UTF_8), "never printed again");
    assertTrue(loaded.matches("installer", password));
  }

  @Test
  void aDamagedCredentialFileIsRefusedWithWhatToDo() throws Exception {
    Path file = SCRATCH.resolve("bad-" + System.nanoTime());
    Files.createDirectories(file.getParent());
    Files.writeString(file, "installer:secret\n");
    var e =
        assertThrows(
            java.io.IOException.class,
            () -> Credential.loadOrCreate(file, new SecureRandom(), System.out));
    assertTrue(e.getMessage().contains("delete it"), e.getMessage());
  }

  @Test
  void sessionsEndWhenIdleAndAreBounded() {
    AtomicLong now = new AtomicLong();
    Sessions sessions = new Sessions(new SecureRandom(), 1_000, 2, now::get);
    Sessions.Session a = sessions.open();
    assertNotNull(sessions.find(a.id()));
    assertTrue(Sessions.csrfMatches(a, a.csrf()));
    assertFalse(Sessions.csrfMatches(a, null));
    assertFalse(Sessions.csrfMatches(a, a.id()), "the session id is not the CSRF token");
    now.addAndGet(1_001);
    assertNull(sessions.find(a.id()), "idle too long");
    Sessions.Session b = sessions.open();
    sessions.open();
    sessions.open();
    assertNull(sessions.find(b.id()), "the oldest ended first");
    assertEquals(2, sessions.size());
    assertNull(sessions.find("x".repeat(100)));
  }

  @Test
  void onlyTheConfiguredNetworksAreServed() throws Exception {
    SourceFilter lan = new SourceFilter(new WebConfigDefaults().allowed_sources());
    assertTrue(lan.allows(InetAddress.getByName("192.168.4.20")));
    assertTrue(lan.allows(InetAddress.getByName("172.31.255.1")));
    assertTrue(lan.allows(InetAddress.getByName("127.0.0.1")));
    assertTrue(lan.allows(InetAddress.getByName("fe80::1")));
    assertFalse(lan.allows(InetAddress.getByName("172.32.0.1")));
    assertFalse(lan.allows(InetAddress.getByName("8.8.8.8")));
    assertFalse(lan.allows(InetAddress.getByName("2001:db8::1")));
    assertFalse(lan.allows(null));
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> new SourceFilter(new String[] {"example.org/8"}));
    assertTrue(e.getMessage().contains("allowed.sources"));
  }

  @Test
  void thePeersAddressIsReadFromItsLiteralOnly() throws Exception {
    assertEquals(InetAddress.getByName("192.168.1.7"), PageServlet.address("192.168.1.7"));
    assertEquals(InetAddress.getByName("fe80::1"), PageServlet.address("[fe80::1%eth0]"));
    assertNull(PageServlet.address("localhost"), "a name is never looked up");
    assertNull(PageServlet.address("cafe"));
    assertNull(PageServlet.address(null));
    assertNull(PageServlet.address("1".repeat(100)));
  }

  /** The Metatype defaults, as Declarative Services would hand them over. */
  static final class WebConfigDefaults {
    String[] allowed_sources() throws Exception {
      return (String[]) WebConfig.class.getMethod("allowed_sources").getDefaultValue();
    }
  }
}
