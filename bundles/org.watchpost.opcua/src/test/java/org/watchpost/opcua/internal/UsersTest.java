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
  void plainAndHashedPasswordsVerifyAndNothingElseDoes() {
    String hashed = Users.hash("correct horse", RANDOM);
    Users users = Users.parse(new String[] {"operator:s3cret:with:colons", "scada:" + hashed});
    assertEquals(Set.of("operator", "scada"), users.names());
    assertTrue(users.verify("operator", "s3cret:with:colons"), "the password is everything after the first colon");
    assertTrue(users.verify("scada", "correct horse"));
    assertFalse(users.verify("scada", "correct horse "));
    assertFalse(users.verify("operator", "s3cret"));
    assertFalse(users.verify("nobody", "s3cret:with:colons"));
    assertFalse(users.verify("operator", ""));
    assertFalse(users.verify(null, null));
    assertFalse(users.verify("operator", "x".repeat(Users.MAX_PASSWORD_CHARS + 1)));
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
      assertTrue(p.chars().noneMatch(c -> "0O1lI".indexOf(c) >= 0), "no look-alike characters: " + p);
      assertTrue(seen.add(p));
    }
  }

  @Test
  void badEntriesAreRefusedNamingThePlaceButNeverTheSecret() {
    assertMessage(new String[] {"nocolon"}, "user entry 1 is not name:password");
    assertMessage(new String[] {"ok:fine", "bad name:pw"}, "user entry 2: the name must be");
    assertMessage(new String[] {"a:x", "a:y"}, "user a is listed twice");
    assertMessage(new String[] {"a:"}, "the password must have 1 to");
    assertMessage(new String[] {"a:pbkdf2-sha256:1000"}, "a hashed password is pbkdf2-sha256:<iterations>:<salt>:<hash>");
    assertMessage(new String[] {"a:pbkdf2-sha256:many:AAAAAAAAAAA=:AAAA"}, "iteration count of the hashed password is not a number");
    assertMessage(new String[] {"a:pbkdf2-sha256:100000:%%%:AAAA"}, "salt or hash of the hashed password is not Base64");
    assertMessage(new String[] {"a:pbkdf2-sha256:5:AAAAAAAAAAA=:AAAA"}, "5 iterations");
    assertMessage(new String[] {"a:" + "p".repeat(600)}, "longer than 512 characters");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Users.parse(new String[] {"a:" + "x".repeat(300)}));
    assertFalse(e.getMessage().contains("xxx"), "the secret is never in the message: " + e.getMessage());
  }

  private static void assertMessage(String[] entries, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Users.parse(entries));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void theThrottleRefusesAfterTooManyFailuresUntilTheWindowHasPassed() {
    long[] now = {0};
    LoginThrottle throttle = new LoginThrottle(3, 60_000_000_000L, () -> now[0]);
    for (int i = 0; i < 3; i++) {
      assertTrue(throttle.allowed());
      throttle.failed();
      now[0] += 1_000_000_000L;
    }
    assertFalse(throttle.allowed(), "three failures within the minute");
    now[0] = 60_500_000_000L;
    assertTrue(throttle.allowed(), "the first failure has left the window");
    throttle.failed();
    assertFalse(throttle.allowed());
  }
}
