// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.watchpost.testing.SharedData;

/**
 * An Eclipse Kura line as the tests rebuild it: its framework and SCR at Kura's versions, and the
 * bundles it already runs that a .dp could clash with (from
 * target-platform/dist/kura-lines.properties, the file the distribution build reads too).
 */
enum KuraLine {
  KURA_5_5("kura-5.5", "3.16.0", "2.1.16"),
  KURA_6("kura-6", "3.21.0", "2.2.12");

  final String id;
  final String equinox;
  final String scr;

  KuraLine(String id, String equinox, String scr) {
    this.id = id;
    this.equinox = equinox;
    this.scr = scr;
  }

  /** Bundles this line runs, as symbolic-name:version. */
  Set<String> shipped() {
    Properties p = new Properties();
    try (InputStream in =
        Files.newInputStream(
            SharedData.projectRoot().resolve("target-platform/dist/kura-lines.properties"))) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Set<String> s = new TreeSet<>();
    for (String b : p.getProperty(id, "").split(",")) {
      if (!b.isBlank()) {
        s.add(b.trim());
      }
    }
    return s;
  }

  boolean ships(String symbolicName, String version) {
    return shipped().contains(symbolicName + ":" + version);
  }
}
