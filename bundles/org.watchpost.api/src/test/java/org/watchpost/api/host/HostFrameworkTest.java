// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HostFrameworkTest {
  @Test
  void relativePathsGoUnderKurasDataDirectoryAndStayAsTheyWereStandalone() {
    Path data = Path.of("/opt/eclipse/kura/data");
    assertEquals(
        data.resolve("watchpost/models/keys"),
        HostFramework.resolve(data.toString(), "models/keys"));
    assertEquals(
        data.resolve("watchpost/var/models"), HostFramework.resolve(data.toString(), "var/models"));
    Path absolute = Path.of("/srv/watchpost/models/keys").toAbsolutePath();
    assertEquals(
        absolute,
        HostFramework.resolve(data.toString(), absolute.toString()),
        "absolute: as given");

    assertEquals(
        Path.of("models/keys"), HostFramework.resolve(null, "models/keys"), "standalone: as today");
    assertEquals(
        Path.of("var/models"),
        HostFramework.resolve(" ", "var/models"),
        "a blank kura.data is none");
  }
}
