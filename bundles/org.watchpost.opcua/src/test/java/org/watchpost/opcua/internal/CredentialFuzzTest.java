// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.code_intelligence.jazzer.mutation.annotation.NotNull;
import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * User entries come from configuration, the credential line from a file on the device. Any text
 * either gives users that keep their invariants or is refused with an IllegalArgumentException (an
 * IOException for the file) that never repeats the secret; anything else is a finding. Replays its
 * committed corpus in verify; fuzzes for 10 s under -Pfuzz.
 */
class CredentialFuzzTest {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
  private static final String SENTINEL = "Kq7-not-in-any-message-";

  /** One fuzz test per JVM: Jazzer's fuzzing mode runs only the first. */
  @FuzzTest(maxDuration = "10s")
  void anyUserEntryOrCredentialFileIsAcceptedSoundlyOrRefusedCleanly(
      @NotNull String first,
      @NotNull String second,
      @NotNull String name,
      @NotNull String password,
      @NotNull String fileContent) {
    credentialFile(fileContent);
    Users users;
    try {
      users = Users.parse(new String[] {first, second});
      for (String user : users.names()) {
        if (!NAME.matcher(user).matches()) {
          throw new AssertionError("a bad user name was accepted: " + user);
        }
      }
      for (String entry : new String[] {first, second}) {
        String user = entry.substring(0, entry.indexOf(':'));
        String secret = entry.substring(entry.indexOf(':') + 1);
        if (!secret.startsWith(Users.HASH_SCHEME + ":")) {
          throw new AssertionError("a plain password was accepted for " + user);
        }
      }
    } catch (IllegalArgumentException e) {
      // refused: fine, as long as nothing else escapes
    }
    // Whatever is wrong with an entry, a refusal never repeats its password (names may be
    // repeated).
    if (name.contains(":") || name.contains("Kq7")) {
      return;
    }
    String secret = SENTINEL + password;
    try {
      Users.parse(new String[] {name + ":" + secret});
    } catch (IllegalArgumentException e) {
      if (e.getMessage().contains(SENTINEL)) {
        throw new AssertionError("the refusal repeats the password: " + e.getMessage());
      }
    }
  }

  /** A credential file's content: one user, or an IOException naming the file. */
  private static void credentialFile(String content) {
    Path file = Path.of("var/opcua/credential");
    try {
      Users users = CredentialFile.parse(content, file);
      if (users.names().size() != 1) {
        throw new AssertionError("a credential file holds exactly one user: " + users.names());
      }
    } catch (IOException e) {
      if (!e.getMessage().contains(file.toString())) {
        throw new AssertionError("the refusal does not name the file: " + e.getMessage());
      }
    }
  }
}
