// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.Priority;
import org.watchpost.testing.Mosquitto;

/**
 * Kura seeds a configuration from the Metatype defaults for every PID in a bundle
 * (ConfigurationServiceImpl .registerComponentOCD), so the standalone uplink is configured on Kura
 * too: there it must open nothing.
 */
class StandDownInKuraTest {
  @Test
  void insideKuraTheStandaloneUplinkOpensNoSessionAndNoOutbox() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "stand-down-" + System.nanoTime()));
    Path outbox = dir.resolve("outbox.db");
    // The engine opens its outbox before it connects: no outbox means no engine, so no session.
    AtomicInteger stoodDown = new AtomicInteger();
    UplinkComponent inKura =
        new UplinkComponent(
            Samples.config("tcp://127.0.0.1:" + Mosquitto.freePort(), outbox, Map.of()),
            true,
            stoodDown::incrementAndGet);
    inKura.publish(Samples.withPriority("cam-1", 1, Priority.ALARM));
    inKura.settle(1_000);

    assertEquals(1, stoodDown.get(), "the component is taken out of service once");
    assertFalse(inKura.connected());
    assertFalse(Files.exists(outbox), "no outbox written");
    assertTrue(inKura.metrics().containsKey("uplink_standing_down"));
    inKura.deactivate();

    UplinkComponent standalone =
        new UplinkComponent(
            Samples.config("tcp://127.0.0.1:" + Mosquitto.freePort(), outbox, Map.of()),
            false,
            stoodDown::incrementAndGet);
    assertTrue(Files.exists(outbox), "standalone, the same configuration opens the uplink");
    standalone.deactivate();
    assertEquals(1, stoodDown.get());
  }
}
