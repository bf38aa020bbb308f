// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.tools;

import java.security.SecureRandom;
import org.watchpost.opcua.internal.Users;

/**
 * Makes {@code users} entries for the OPC UA configuration ({@code ./watchpost opcua-user NAME}): a
 * plain password is refused there, so an operator needs the hashed form without running the device.
 */
public final class UserEntries {
  private static final SecureRandom RANDOM = new SecureRandom();

  private UserEntries() {}

  /**
   * {@code name:pbkdf2-sha256:<iterations>:<salt>:<hash>}; refused as the device would refuse it.
   */
  public static String entry(String name, String password) {
    if (password == null || password.isEmpty() || password.length() > Users.MAX_PASSWORD_CHARS) {
      throw new IllegalArgumentException(
          "the password must have 1 to " + Users.MAX_PASSWORD_CHARS + " characters");
    }
    String entry = name + ":" + Users.hash(password, RANDOM);
    Users.parse(new String[] {entry});
    return entry;
  }

  /** A password as the device generates its own: 24 characters without look-alikes. */
  public static String generatePassword() {
    return Users.generatePassword(RANDOM);
  }

  /** Whether the entry is valid and the password is its user's. */
  public static boolean matches(String entry, String password) {
    Users users = Users.parse(new String[] {entry});
    return users.verify(users.names().iterator().next(), password);
  }
}
