// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UsersTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void hashedPasswordsVerifyAndNothingElseDoes() {
    Users users =
        Users.parse(
            new String[] {
              "operator:" + Users.hash("s3cret:with:colons", RANDOM),
              "scada:" + Users.hash("correct horse", RANDOM)
            });
    assertEquals(Set.of("operator", "scada"), users.names());
    assertTrue(users.verify("operator", "s3cret:with:colons"));
    assertTrue(users.verify("scada", "correct horse"));
    assertFalse(users.verify("scada", "correct horse "));
    assertFalse(users.verify("operator", "s3cret"));
    assertFalse(users.verify("nobody", "s3cret:with:colons"));
    assertFalse(users.verify("operator", ""));
    assertFalse(users.verify(null, null));
    assertFalse(users.verify("operator", "x".repeat(Users.MAX_PASSWORD_CHARS + 1)));
  }

  /**
   * Issue 12 item 10: a plain name:password was accepted; it is refused, naming the entry and user,
   * never the password.
   */
  @Test
  void aPlainPasswordIsRefusedNamingItsEntryAndUserButNotThePassword() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Users.parse(
                    new String[] {"scada:" + Users.hash("pw", RANDOM), "operator:hunter2-Secret"}));
    assertTrue(
        e.getMessage().contains("user entry 2 (user operator) holds a plain password")
            && e.getMessage().contains("./watchpost opcua-user operator"),
        e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
  }

  @Test
  void aHashIsSaltedSoTwoHashesOfOnePasswordDiffer() {
    String a = Users.hash("same", RANDOM);
    String b = Users.hash("same", RANDOM);
    assertFalse(a.equals(b));
    assertTrue(a.startsWith("pbkdf2-sha256:" + Users.ITERATIONS + ":"));
  }

  @Test
  void generatedPasswordsAreLongAndUnique() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String p = Users.generatePassword(RANDOM);
      assertEquals(24, p.length());
      assertTrue(
          p.chars().noneMatch(c -> "0O1lI".indexOf(c) >= 0), "no look-alike characters: " + p);
      assertTrue(seen.add(p));
    }
  }

  @Test
  void badEntriesAreRefusedNamingThePlaceButNeverTheSecret() {
    String hash = Users.hash("fine", RANDOM);
    assertMessage(new String[] {"nocolon"}, "user entry 1 is not name:pbkdf2-sha256:...");
    assertMessage(new String[] {"ok:" + hash, "bad name:pw"}, "user entry 2: the name must be");
    assertMessage(new String[] {"a:" + hash, "a:" + hash}, "user a is listed twice");
    assertMessage(new String[] {"a:"}, "user entry 1 (user a) holds a plain password");
    assertMessage(
        new String[] {"a:pbkdf2-sha256:1000"},
        "a hashed password is pbkdf2-sha256:<iterations>:<salt>:<hash>");
    assertMessage(
        new String[] {"a:pbkdf2-sha256:many:AAAAAAAAAAA=:AAAA"},
        "iteration count of the hashed password is not a number");
    assertMessage(
        new String[] {"a:pbkdf2-sha256:100000:%%%:AAAA"},
        "salt or hash of the hashed password is not Base64");
    assertMessage(new String[] {"a:pbkdf2-sha256:5:AAAAAAAAAAA=:AAAA"}, "5 iterations");
    assertMessage(new String[] {"a:" + "p".repeat(600)}, "longer than 512 characters");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Users.parse(new String[] {"a:" + "x".repeat(300)}));
    assertFalse(
        e.getMessage().contains("xxx"), "the secret is never in the message: " + e.getMessage());
  }

  private static void assertMessage(String[] entries, String expected) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Users.parse(entries));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
