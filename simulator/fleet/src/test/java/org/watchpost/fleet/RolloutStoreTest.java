// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.watchpost.fleet.DeviceRecord.Phase;
import org.watchpost.testing.SharedData;

/**
 * The rollout store on both engines: embedded SQLite (the default) and a real PostgreSQL started
 * for the test. A save writes the rollout's row and the rows of the devices given, and only those;
 * a reload gives back what was saved; texts from devices are clipped.
 */
class RolloutStoreTest {

  @Test
  void sqliteWritesOnlyTheChangedRowsAndReloads() throws Exception {
    Path dir = SharedData.scratchDirectory("store-sqlite");
    try (RolloutStore store = RolloutStore.open(dir.resolve("fleet/rollout.db").toString())) {
      exercise(store);
    }
    // A second process (or a resumed console) sees the same.
    try (RolloutStore again = RolloutStore.open(dir.resolve("fleet/rollout.db").toString())) {
      assertEquals(2000, again.load("r1").devices.size());
      assertEquals("r1", again.latest());
    }
  }

  @Test
  void postgresqlWritesOnlyTheChangedRowsAndReloads() throws Exception {
    Path dir = SharedData.scratchDirectory("store-postgres");
    try (Postgres pg = Postgres.start(dir.resolve("pg"));
        RolloutStore store = RolloutStore.open(pg.jdbcUrl())) {
      assertFalse(store.isSqlite());
      exercise(store);
      try (RolloutStore again = RolloutStore.open(pg.jdbcUrl())) {
        assertEquals(2000, again.load("r1").devices.size());
      }
    }
  }

  @Test
  void aPasswordInTheUrlIsNeverShown() {
    assertEquals(
        "jdbc:postgresql://db/fleet?user=c&password=***",
        RolloutStore.redact("jdbc:postgresql://db/fleet?user=c&password=s3cret"));
    assertEquals(
        "jdbc:postgresql://c:***@db/fleet",
        RolloutStore.redact("jdbc:postgresql://c:s3cret@db/fleet"));
  }

  private static void exercise(RolloutStore store) throws Exception {
    assertNull(store.load("r1"));
    RolloutState s = new RolloutState();
    s.rolloutId = "r1";
    s.packageFile = "/p.zip";
    s.packageSha256 = "ab".repeat(32);
    s.packageSize = 1234;
    s.modelName = "m";
    s.modelVersion = "2.0.0";
    s.transport = "mqtt";
    s.targets = List.of("cam-*");
    s.stages = List.of(0.01, 0.1, 1.0);
    s.haltOnFailure = 0.02;
    s.maxAttempts = 3;
    s.retryDelayMillis = 30_000;
    s.attemptTimeoutMillis = 1_800_000;
    List<DeviceRecord> all = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      DeviceRecord d = new DeviceRecord();
      d.clientId = String.format("cam-%05d", i);
      d.online = true;
      s.devices.put(d.clientId, d);
      all.add(d);
    }
    store.save(s, all);
    // Two devices change in memory, only one is handed to the save: only its row may change.
    DeviceRecord a = s.devices.get("cam-00007");
    a.phase = Phase.FAILED;
    a.attempts = 3;
    a.reason = "load_failed";
    a.message = "x".repeat(5000);
    DeviceRecord b = s.devices.get("cam-00008");
    b.phase = Phase.DONE;
    s.stage = 1;
    s.halted = true;
    s.haltReason = "1 of 1 devices failed";
    store.save(s, List.of(a));
    RolloutState back = store.load("r1");
    assertEquals(2000, back.devices.size());
    assertEquals(1, back.stage);
    assertTrue(back.halted);
    assertEquals(s.stages, back.stages);
    assertEquals(s.targets, back.targets);
    DeviceRecord a2 = back.devices.get("cam-00007");
    assertEquals(Phase.FAILED, a2.phase);
    assertEquals(3, a2.attempts);
    assertEquals(RolloutStore.MAX_TEXT, a2.message.length(), "a device's text is clipped");
    assertEquals(
        Phase.WAITING,
        back.devices.get("cam-00008").phase,
        "a row not handed to the save is not written");
  }
}
