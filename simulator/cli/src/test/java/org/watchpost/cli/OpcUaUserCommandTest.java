// SPDX-License-Identifier: Apache-2.0
package org.watchpost.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.watchpost.opcua.tools.UserEntries;
import picocli.CommandLine;

/** The tool that makes the only OPC UA users entries the device accepts. */
class OpcUaUserCommandTest {

  @Test
  void printsAHashedEntryTheDeviceAcceptsAndRefusesABadName() {
    String[] result = run("Tr0ub4dor-and-3\n", "opcua-user", "scada1");
    assertEquals("0", result[0], result[2]);
    String entry = result[1].strip();
    assertTrue(entry.startsWith("scada1:pbkdf2-sha256:100000:"), entry);
    assertFalse(entry.contains("Tr0ub4dor"));
    assertTrue(UserEntries.matches(entry, "Tr0ub4dor-and-3"));
    assertFalse(UserEntries.matches(entry, "Tr0ub4dor-and-4"));

    String[] generated = run("", "opcua-user", "--generate", "op");
    assertEquals("0", generated[0], generated[2]);
    String password = generated[2].strip().substring("password for op: ".length());
    assertTrue(UserEntries.matches(generated[1].strip(), password));

    String[] bad = run("pw\n", "opcua-user", "bad name");
    assertEquals("2", bad[0]);
    assertTrue(bad[2].contains("the name must be"), bad[2]);
  }

  private static String[] run(String stdin, String... args) {
    InputStream in = System.in;
    System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    try {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine line = new CommandLine(new Main());
      line.setOut(new PrintWriter(out, true));
      line.setErr(new PrintWriter(err, true));
      int status = line.execute(args);
      return new String[] {Integer.toString(status), out.toString(), err.toString()};
    } finally {
      System.setIn(in);
    }
  }
}
