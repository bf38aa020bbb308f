// SPDX-License-Identifier: Apache-2.0
package org.watchpost.kura.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The outbox follows the rule every Watchpost path follows inside Kura (HostFramework.resolve). */
class OutboxPathTest {
  @Test
  void theDefaultOutboxIsUnderWatchpostInKurasDataDirectory() {
    Path data = Path.of("/opt/eclipse/kura/data");
    assertEquals(
        data.resolve("watchpost/uplink/outbox.db").toString(),
        KuraCloudComponent.uplinkProperties(Map.of(), data.toString()).get("outbox.path"));
    assertEquals(
        "/var/lib/outbox.db",
        KuraCloudComponent.uplinkProperties(
                Map.of("outbox.path", "/var/lib/outbox.db"), data.toString())
            .get("outbox.path"));
  }
}
