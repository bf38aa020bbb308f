// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.watchpost.testing.Mosquitto;
import org.watchpost.testing.SharedData;

/**
 * kill -9 of the uplink's JVM at 20 random moments while it publishes, each time restarted on the
 * same outbox: every seq the outbox reported as committed reaches a real broker's subscriber, and
 * seq keeps increasing across restarts.
 */
class KillNineTest {
  private static final int KILLS = 20;

  @Test
  void noCommittedSeqIsEverLost() throws Exception {
    Path dir = SharedData.scratchDirectory("uplink-kill9");
    Path outbox = dir.resolve("outbox.db");
    Random random = new Random(20);
    TreeSet<Long> committed = new TreeSet<>();
    List<long[]> runs = new ArrayList<>();
    try (Mosquitto broker = Mosquitto.start(dir.resolve("broker"));
        Receiver receiver = new Receiver(broker.url())) {
      for (int kill = 0; kill < KILLS; kill++) {
        Process child =
            start(broker.url(), outbox, "produce", dir.resolve("child-" + kill + ".log"));
        Run run = read(child);
        assertTrue(run.ready.await(30, TimeUnit.SECONDS), "child " + kill + " started");
        Thread.sleep(150 + random.nextInt(1_200));
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
        Set<Long> seqs = run.seqs.get(10, TimeUnit.SECONDS);
        if (!seqs.isEmpty()) {
          long first = ((TreeSet<Long>) seqs).first();
          assertTrue(
              committed.isEmpty() || first > committed.last(),
              "run "
                  + kill
                  + " starts at seq "
                  + first
                  + ", after "
                  + (committed.isEmpty() ? "-" : committed.last()));
          runs.add(new long[] {first, ((TreeSet<Long>) seqs).last()});
        }
        committed.addAll(seqs);
      }
      Process drain = start(broker.url(), outbox, "drain", dir.resolve("child-drain.log"));
      Run last = read(drain);
      assertTrue(drain.waitFor(90, TimeUnit.SECONDS), "the draining child stops");
      assertTrue(last.drained.getCount() == 0, "the outbox drained");
      assertTrue(
          receiver.await(() -> receiver.bySeq().keySet().containsAll(committed), 30_000),
          () -> "missing at the receiver: " + missing(committed, receiver.bySeq().keySet()));
      long lwt = receiver.arrivals(a -> a.topic().endsWith("/MQTT/LWT")).size();
      long births = receiver.arrivals(a -> a.topic().endsWith("/MQTT/BIRTH")).size();
      long dc = receiver.arrivals(a -> a.topic().endsWith("/MQTT/DC")).size();
      System.out.printf(
          "kill -9: %d runs, %d seqs committed, %d received (%d repeats), %d BIRTH, %d LWT, %d DC%n",
          KILLS,
          committed.size(),
          receiver.bySeq().size(),
          receiver.arrivals(a -> a.seq() != null).size() - receiver.bySeq().size(),
          births,
          lwt,
          dc);
      assertTrue(
          committed.size() > KILLS * 20, "the children committed messages: " + committed.size());
      assertTrue(lwt >= 1, "the broker published the last will of a killed device");
      assertEquals(1, dc, "only the clean stop sent a disconnect certificate");
      assertTrue(receiver.malformed().isEmpty(), receiver.malformed().toString());
    }
  }

  private static List<Long> missing(Set<Long> expected, Set<Long> got) {
    List<Long> m = new ArrayList<>(expected);
    m.removeAll(got);
    return m.size() > 20 ? m.subList(0, 20) : m;
  }

  private record Run(
      CountDownLatch ready, CountDownLatch drained, CompletableFuture<Set<Long>> seqs) {}

  private static Run read(Process child) {
    Run run = new Run(new CountDownLatch(1), new CountDownLatch(1), new CompletableFuture<>());
    Thread reader =
        new Thread(
            () -> {
              Set<Long> seqs = new TreeSet<>();
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  if (line.startsWith("S ")) {
                    seqs.add(Long.parseLong(line.substring(2)));
                  } else if (line.equals("READY")) {
                    run.ready().countDown();
                  } else if (line.equals("DRAINED")) {
                    run.drained().countDown();
                  }
                }
              } catch (Exception e) {
                // the child was killed mid-line: what was read is what counts
              }
              run.seqs().complete(seqs);
            },
            "child-reader");
    reader.setDaemon(true);
    reader.start();
    return run;
  }

  private static Process start(String url, Path outbox, String mode, Path log) throws Exception {
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-cp",
            classpath,
            "-Xmx128m",
            "-XX:TieredStopAtLevel=1",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            CrashChild.class.getName(),
            url,
            outbox.toString(),
            mode)
        .redirectError(log.toFile())
        .start();
  }
}
