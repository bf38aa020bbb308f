// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.SharedData;

/**
 * ETSI EN 303 645 provision 5.1: no default password; a unique one per device, shown once, kept for
 * the service only.
 */
class CredentialFileTest {
  private static final String ORIGIN =
      "configuration org.watchpost.opcua, property users (first read from file:///etc/watchpost.json)";
  private static final Pattern PASSWORD = Pattern.compile("password: (\\S+)");

  @Test
  void theFirstStartGeneratesPrintsOnceAndKeepsOnlyAHashReadableByTheOwner() throws IOException {
    Path file = SharedData.scratchDirectory("credential").resolve("var/opcua/credential");
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    Users first =
        CredentialFile.users(
            new String[0],
            ORIGIN,
            file,
            new SecureRandom(),
            new PrintStream(console, true, StandardCharsets.UTF_8));
    String printed = console.toString(StandardCharsets.UTF_8);
    Matcher m = PASSWORD.matcher(printed);
    assertTrue(m.find(), printed);
    String password = m.group(1);
    assertTrue(printed.contains("user:     watchpost"), printed);
    assertTrue(first.verify("watchpost", password));

    String kept = Files.readString(file);
    assertFalse(kept.contains(password), "only the hash is kept");
    assertTrue(kept.startsWith("watchpost:pbkdf2-sha256:"), kept);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));

    ByteArrayOutputStream again = new ByteArrayOutputStream();
    Users second =
        CredentialFile.users(
            new String[0],
            ORIGIN,
            file,
            new SecureRandom(),
            new PrintStream(again, true, StandardCharsets.UTF_8));
    assertEquals("", again.toString(StandardCharsets.UTF_8), "printed once only");
    assertTrue(second.verify("watchpost", password), "the same credential after a restart");

    Path other = SharedData.scratchDirectory("credential-other").resolve("credential");
    ByteArrayOutputStream otherConsole = new ByteArrayOutputStream();
    CredentialFile.users(
        new String[0],
        ORIGIN,
        other,
        new SecureRandom(),
        new PrintStream(otherConsole, true, StandardCharsets.UTF_8));
    Matcher o = PASSWORD.matcher(otherConsole.toString(StandardCharsets.UTF_8));
    assertTrue(o.find());
    assertFalse(o.group(1).equals(password), "every device has its own");
  }

  @Test
  void configuredUsersWinAndNoFileIsMade() throws IOException {
    Path file = SharedData.scratchDirectory("credential-configured").resolve("credential");
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    Users users =
        CredentialFile.users(
            new String[] {"site:" + Users.hash("Tr0ub4dor", new SecureRandom())},
            ORIGIN,
            file,
            new SecureRandom(),
            new PrintStream(console, true, StandardCharsets.UTF_8));
    assertTrue(users.verify("site", "Tr0ub4dor"));
    assertFalse(Files.exists(file));
    assertEquals("", console.toString(StandardCharsets.UTF_8));
  }

  /**
   * Issue 12 item 10: plain users were accepted; now the start fails naming the configuration, its
   * file and entry.
   */
  @Test
  void aConfiguredPlainPasswordStopsTheStartNamingWhereItIs() {
    Path file = SharedData.scratchDirectory("credential-plain").resolve("credential");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                CredentialFile.users(
                    new String[] {"site:Tr0ub4dor"},
                    ORIGIN,
                    file,
                    new SecureRandom(),
                    new PrintStream(new ByteArrayOutputStream())));
    assertTrue(
        e.getMessage()
            .startsWith(
                "OPC UA users of " + ORIGIN + ": user entry 1 (user site) holds a plain password"),
        e.getMessage());
    assertFalse(e.getMessage().contains("Tr0ub4dor"), e.getMessage());
    assertFalse(Files.exists(file), "no credential generated instead");
  }

  @Test
  void aFileOthersCanReadIsClosedAndABrokenOneIsRefusedNamingIt() throws IOException {
    Path dir = SharedData.scratchDirectory("credential-bad");
    Path open = dir.resolve("open");
    Files.writeString(open, "watchpost:" + Users.hash("pw", new SecureRandom()) + "\n");
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    assertTrue(CredentialFile.read(open).verify("watchpost", "pw"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(open)));

    Path broken = dir.resolve("broken");
    Files.writeString(broken, "watchpost:pbkdf2-sha256:100000:nope\n");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                CredentialFile.users(
                    new String[0],
                    ORIGIN,
                    broken,
                    new SecureRandom(),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    assertTrue(
        e.getMessage().contains(broken.toString()) && e.getMessage().contains("delete it"),
        e.getMessage());

    Path twoLines = dir.resolve("two");
    Files.writeString(twoLines, "a:b\nc:d\n");
    assertThrows(IOException.class, () -> CredentialFile.read(twoLines));
    Path plain = dir.resolve("plain");
    Files.writeString(plain, "watchpost:Tr0ub4dor\n");
    Files.setPosixFilePermissions(plain, PosixFilePermissions.fromString("rw-------"));
    IOException plainRefused = assertThrows(IOException.class, () -> CredentialFile.read(plain));
    assertTrue(
        plainRefused.getMessage().contains(plain + ", line 1, is not valid")
            && !plainRefused.getMessage().contains("Tr0ub4dor"),
        plainRefused.getMessage());
    Path huge = dir.resolve("huge");
    Files.write(huge, new byte[10_000]);
    assertThrows(IOException.class, () -> CredentialFile.read(huge));
  }
}
