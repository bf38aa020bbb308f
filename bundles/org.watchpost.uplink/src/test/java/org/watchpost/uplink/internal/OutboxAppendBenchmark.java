// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.watchpost.api.event.Priority;
import org.watchpost.testing.Mosquitto;

/**
 * Durable outbox appends per second on this machine (SQLite, WAL, synchronous=FULL: each commit is
 * on disk).
 *
 * <ul>
 *   <li>{@code pipeline}: events through {@link UplinkEngine#publish}, as the pipeline calls it,
 *       until the writer thread has committed all of them (group commit);
 *   <li>{@code one-per-commit}: one transaction per event, the worst case.
 * </ul>
 *
 * Run: {@code ./mvnw -q -o test-compile exec:java -pl bundles/org.watchpost.uplink
 * -Dexec.classpathScope=test -Dexec.mainClass=org.watchpost.uplink.internal.OutboxAppendBenchmark}
 */
public final class OutboxAppendBenchmark {
  private OutboxAppendBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = 5;
    double[] pipeline = new double[runs];
    double[] single = new double[runs];
    // Under this module's target/, wherever Maven was started from.
    Path target =
        Path.of(
                OutboxAppendBenchmark.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI())
            .getParent();
    Path dir = Files.createTempDirectory(target, "outbox-bench");
    for (int run = 0; run < runs; run++) {
      pipeline[run] = pipeline(dir.resolve("pipeline-" + run + ".db"), 20_000);
      single[run] = onePerCommit(dir.resolve("single-" + run + ".db"), 300);
      System.out.printf(
          "run %d: pipeline %.0f events/s, one per commit %.0f events/s%n",
          run + 1, pipeline[run], single[run]);
    }
    System.out.printf(
        "median of %d runs: pipeline (group commit) %.0f durable appends/s; one transaction per event %.0f/s%n",
        runs, median(pipeline), median(single));
  }

  private static double pipeline(Path file, int events) throws Exception {
    CountDownLatch done = new CountDownLatch(events);
    AtomicLong stored = new AtomicLong();
    UplinkEngine engine =
        new UplinkEngine(
            Samples.config(
                "tcp://127.0.0.1:" + Mosquitto.freePort(),
                file,
                Map.of(
                    "drain_on_stop_s",
                    0,
                    "reconnect_initial_ms",
                    60_000L,
                    "reconnect_max_ms",
                    60_000L)),
            s -> {
              stored.addAndGet(s.size());
              s.forEach(x -> done.countDown());
            });
    try {
      long start = System.nanoTime();
      for (int i = 0; i < events; i++) {
        engine.publish(Samples.lineCrossing("gate", i, Samples.T0 + i));
      }
      done.await();
      return events / ((System.nanoTime() - start) / 1e9);
    } finally {
      engine.close();
    }
  }

  private static double onePerCommit(Path file, int events) {
    try (Outbox outbox = new Outbox(file, 64L << 20)) {
      PayloadMapper mapper = new PayloadMapper("acme", "box-7", false);
      long start = System.nanoTime();
      for (int i = 0; i < events; i++) {
        Message m = mapper.event(Samples.lineCrossing("gate", i, Samples.T0 + i));
        outbox.append(List.of(new Outbox.Draft(Priority.EVENT, m.topic().topic(), m::encode)), i);
      }
      return events / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
