// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.watchpost.opcua.tools.UserEntries;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Prints an OPC UA {@code users} entry with the password hashed, the only form the device accepts.
 */
@Command(
    name = "opcua-user",
    mixinStandardHelpOptions = true,
    description =
        "Print an OPC UA users entry (name:pbkdf2-sha256:...) for org.watchpost.opcua 'users'. The password is"
            + " asked for on the terminal (twice), or read as one line from standard input, or generated (--generate).")
final class OpcUaUserCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "User name: 1 to 64 of A-Z a-z 0-9 . _ @ -")
  String name;

  @Option(
      names = "--generate",
      description = "Generate a 24-character password and print it on standard error.")
  boolean generate;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String password;
    Console console = System.console();
    if (generate) {
      password = UserEntries.generatePassword();
      err.println("password for " + name + ": " + password);
    } else if (console != null) {
      char[] first = console.readPassword("password for %s: ", name);
      char[] second = console.readPassword("again: ");
      if (first == null || !Arrays.equals(first, second)) {
        err.println("watchpost opcua-user: the two passwords differ");
        return 2;
      }
      password = new String(first);
    } else {
      password =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    }
    try {
      out.println(UserEntries.entry(name, password == null ? "" : password));
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("watchpost opcua-user: " + e.getMessage());
      return 2;
    }
  }
}
