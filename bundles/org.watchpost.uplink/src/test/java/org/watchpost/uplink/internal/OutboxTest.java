// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.Priority;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;

class OutboxTest {

  private static Outbox.Draft draft(Priority p, int size) {
    return new Outbox.Draft(p, "acme/box-7/wp/events/gate", seq -> new byte[size]);
  }

  @Test
  void theOutboxConnectionSyncsEveryCommitInWalMode() throws Exception {
    // What makes a committed append survive a power cut (not only kill -9, which the page cache
    // survives):
    // synchronous=FULL syncs the WAL on every commit. Read back through the outbox's own
    // connection, because
    // the pragma is per connection and a second connection would show its own default.
    Path file = SharedData.scratchDirectory("outbox-pragmas").resolve("outbox.db");
    try (Outbox outbox = new Outbox(file, 1 << 20);
        java.sql.Statement s = outbox.connectionForTests().createStatement()) {
      try (java.sql.ResultSet r = s.executeQuery("PRAGMA synchronous")) {
        assertTrue(r.next());
        assertEquals(2, r.getInt(1), "PRAGMA synchronous: 2 is FULL (1 NORMAL, 0 OFF)");
      }
      try (java.sql.ResultSet r = s.executeQuery("PRAGMA journal_mode")) {
        assertTrue(r.next());
        assertEquals("wal", r.getString(1));
      }
    }
  }

  @Test
  void seqIsStrictlyIncreasingAndSurvivesReopening() {
    Path file = SharedData.scratchDirectory("outbox-seq").resolve("outbox.db");
    long last;
    try (Outbox outbox = new Outbox(file, 1 << 20)) {
      List<Outbox.Stored> stored =
          outbox.append(List.of(draft(Priority.EVENT, 10), draft(Priority.ALARM, 10)), 1).stored();
      assertEquals(List.of(1L, 2L), stored.stream().map(Outbox.Stored::seq).toList());
      outbox.remove(List.of(1L, 2L));
      last = outbox.append(List.of(draft(Priority.HEALTH, 10)), 2).stored().get(0).seq();
      outbox.remove(List.of(last));
      assertEquals(0, outbox.depth());
    }
    try (Outbox reopened = new Outbox(file, 1 << 20)) {
      // Emptied and reopened: seq still goes on from where it was, never reused.
      assertEquals(
          last + 1, reopened.append(List.of(draft(Priority.EVENT, 10)), 3).stored().get(0).seq());
    }
  }

  @Test
  void replayOrderIsPriorityThenSeqAndInFlightIsSkipped() {
    Path file = SharedData.scratchDirectory("outbox-order").resolve("outbox.db");
    try (Outbox outbox = new Outbox(file, 1 << 20)) {
      outbox.append(
          List.of(
              draft(Priority.BULK, 5),
              draft(Priority.EVENT, 5),
              draft(Priority.HEALTH, 5),
              draft(Priority.ALARM, 5),
              draft(Priority.EVENT, 5),
              draft(Priority.COUNTS, 5)),
          1);
      assertEquals(
          List.of(4L, 2L, 5L, 6L, 3L, 1L),
          outbox.next(10, Set.of()).stream().map(Outbox.Stored::seq).toList());
      assertEquals(
          List.of(2L, 6L),
          outbox.next(2, Set.of(4L, 5L)).stream().map(Outbox.Stored::seq).toList());
    }
  }

  /**
   * Fills a small outbox far beyond its bound with a random mix and checks the result against the
   * documented rule, played out here on a plain list: lowest priority first, oldest first, and a
   * newcomer that everything stored outranks is refused.
   */
  @Test
  void whenFullTheLowestPriorityGoesFirstOldestFirstAndDropsAreCounted() {
    Path file = SharedData.scratchDirectory("outbox-full").resolve("outbox.db");
    long max = 16 * 1024;
    Random random = new Random(7);
    record Model(long seq, Priority p, int cost) {}
    List<Model> model = new ArrayList<>();
    EnumMap<Priority, Long> expectedDrops = new EnumMap<>(Priority.class);
    try (Outbox outbox = new Outbox(file, max)) {
      for (int round = 0; round < 60; round++) {
        List<Outbox.Draft> drafts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          Priority p = Priority.values()[random.nextInt(Priority.values().length)];
          drafts.add(draft(p, 50 + random.nextInt(200)));
        }
        for (Outbox.Draft d : drafts) {
          int cost = d.payloadForSeq().apply(0).length + d.topic().length() + Outbox.ROW_OVERHEAD;
          long seq = outbox.nextSeq() + drafts.indexOf(d);
          long used = model.stream().mapToLong(Model::cost).sum();
          boolean accepted = true;
          while (used + cost > max) {
            Model victim =
                model.stream()
                    .max(
                        (a, b) ->
                            a.p() != b.p()
                                ? a.p().compareTo(b.p())
                                : Long.compare(b.seq(), a.seq()))
                    .orElseThrow();
            if (victim.p().compareTo(d.priority()) < 0) {
              accepted = false;
              break;
            }
            model.remove(victim);
            expectedDrops.merge(victim.p(), 1L, Long::sum);
            used -= victim.cost();
          }
          if (accepted) {
            model.add(new Model(seq, d.priority(), cost));
          } else {
            expectedDrops.merge(d.priority(), 1L, Long::sum);
          }
        }
        outbox.append(drafts, round);
      }
      List<Long> kept =
          outbox.next(10_000, Set.of()).stream().map(Outbox.Stored::seq).sorted().toList();
      assertEquals(model.stream().map(Model::seq).sorted().toList(), kept);
      for (Priority p : Priority.values()) {
        assertEquals(expectedDrops.getOrDefault(p, 0L), outbox.dropped().get(p), "drops of " + p);
      }
      assertTrue(outbox.storedBytes() <= max);
      assertTrue(outbox.dropped().get(Priority.BULK) > 0, "bulk was dropped");
      Map<Priority, Long> keptByPriority = new TreeMap<>();
      outbox.next(10_000, Set.of()).forEach(s -> keptByPriority.merge(s.priority(), 1L, Long::sum));
      System.out.println("full outbox keeps " + keptByPriority + ", dropped " + outbox.dropped());
    }
    try (Outbox reopened = new Outbox(file, max)) {
      assertEquals(
          expectedDrops.values().stream().mapToLong(Long::longValue).sum(),
          reopened.droppedTotal(),
          "drop counts are persisted");
    }
  }

  @Test
  void theFileStaysNearItsBound() throws Exception {
    Path file = SharedData.scratchDirectory("outbox-disk").resolve("outbox.db");
    long max = 256 * 1024;
    try (Outbox outbox = new Outbox(file, max)) {
      for (int round = 0; round < 200; round++) {
        List<Outbox.Draft> drafts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          drafts.add(draft(Priority.EVENT, 400));
        }
        outbox.append(drafts, round);
      }
      assertTrue(outbox.droppedTotal() > 0);
    }
    long onDisk = Files.size(file) + sizeIfExists(Path.of(file + "-wal"));
    System.out.println("outbox bound " + max + " bytes, file and WAL " + onDisk + " bytes");
    assertTrue(onDisk < 3 * max, "file and WAL " + onDisk + " bytes for a bound of " + max);
  }

  private static long sizeIfExists(Path p) throws Exception {
    return Files.exists(p) ? Files.size(p) : 0;
  }

  @Test
  void theEngineReportsWhatItDroppedInDeviceHealthAndTheSummary() throws Exception {
    Path dir = SharedData.scratchDirectory("outbox-engine-full");
    UplinkEngine engine =
        new UplinkEngine(
            Samples.config(
                "tcp://127.0.0.1:" + Mosquitto.freePort(),
                dir.resolve("outbox.db"),
                Map.of("outbox_max_bytes", 4_096L, "drain_on_stop_s", 0)));
    try {
      for (int i = 0; i < 100; i++) {
        engine.publish(Samples.withPriority("gate", i, Priority.BULK));
      }
      assertTrue(
          UplinkOverMosquittoTest.awaitTrue(() -> engine.dropped().get(Priority.BULK) > 0, 5_000));
      engine.report(
          new org.watchpost.api.health.HealthReport(
              "device", Samples.T0, Map.of("cpu_temp_c", 50.0)));
      assertTrue(
          UplinkOverMosquittoTest.awaitTrue(
              () -> engine.outbox().next(1, Set.of()).get(0).priority() == Priority.HEALTH, 5_000),
          "the health report outranks the bulk and is stored");
      org.watchpost.uplink.codec.KuraPayload health =
          org.watchpost.uplink.codec.KuraPayloadCodec.decode(
              engine.outbox().next(1, Set.of()).get(0).payload());
      assertTrue(
          (Long) health.metric("dropped_bulk") > 0,
          "the device report says what was dropped: " + health);
      assertEquals(
          engine.dropped().get(Priority.BULK),
          engine.summary().get("dropped"),
          "the summary counts the same drops");
    } finally {
      engine.close();
    }
  }
}
