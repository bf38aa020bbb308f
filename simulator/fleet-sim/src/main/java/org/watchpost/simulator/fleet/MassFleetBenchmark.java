// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.watchpost.fleet.CensusListener;
import org.watchpost.fleet.CensusReport;
import org.watchpost.fleet.FleetCensus;

/**
 * The national-size benchmark (issue 14), not a test: N devices (default 75,476) as agents in a few
 * shard processes (each under the host's open-file limit), each against its own Mosquitto
 * (Debian's), the edges bridged to one central Mosquitto where the health census listens, as a
 * broker cluster would present one namespace. Measures the time until the census has found every
 * device, resident memory and CPU of brokers and agents, messages per second through the central
 * broker in steady state, the census's own time, and the clean stop.
 *
 * <pre>java -cp "simulator/cli/target/watchpost-cli.jar:simulator/cli/target/lib/*" \
 *     org.watchpost.simulator.fleet.MassFleetBenchmark [devices] [perShard] [steadySeconds] [workDir]
 * </pre>
 */
public final class MassFleetBenchmark {
  private static final String ACCOUNT = "acme";

  private MassFleetBenchmark() {}

  public static void main(String[] args) throws Exception {
    int devices = args.length > 0 ? Integer.parseInt(args[0]) : 75_476;
    int perShard = args.length > 1 ? Integer.parseInt(args[1]) : 16_000;
    int steadySeconds = args.length > 2 ? Integer.parseInt(args[2]) : 120;
    Path work = Path.of(args.length > 3 ? args[3] : "target/mass-fleet").toAbsolutePath();
    Path traceFile = Path.of("simulator/scenarios/traces/border-post-vtest.jsonl").toAbsolutePath();
    Files.createDirectories(work);
    PrintStream out = System.out;
    int shards = (devices + perShard - 1) / perShard;
    List<Process> brokers = new ArrayList<>();
    List<Process> agents = new ArrayList<>();
    try {
      int central = freePort();
      brokers.add(mosquitto(work.resolve("central"), central, List.of()));
      List<Integer> edgePorts = new ArrayList<>();
      for (int s = 0; s < shards; s++) {
        int port = freePort();
        edgePorts.add(port);
        brokers.add(
            mosquitto(
                work.resolve("edge-" + s),
                port,
                List.of(
                    "connection edge-" + s,
                    "address 127.0.0.1:" + central,
                    "cleansession true",
                    "bridge_protocol_version mqttv311",
                    "topic $EDC/" + ACCOUNT + "/# both 1",
                    "topic " + ACCOUNT + "/# out 1")));
      }
      FleetCensus census = new FleetCensus(ACCOUNT, "centre");
      try (CensusListener listener =
          CensusListener.start(
              "tcp://127.0.0.1:" + central, ACCOUNT, "centre", census, Duration.ofSeconds(30))) {
        long t0 = System.nanoTime();
        for (int s = 0; s < shards; s++) {
          int first = s * perShard + 1;
          int count = Math.min(perShard, devices - s * perShard);
          // Each shard binds its sockets to its own loopback addresses: room for the ephemeral
          // ports at any size.
          String sources = "127.0." + (s + 1) + ".1,127.0." + (s + 1) + ".2";
          agents.add(
              new ProcessBuilder(
                      "java",
                      "-Xss256k",
                      "-Xmx1200m",
                      "-XX:+UseSerialGC",
                      "-cp",
                      System.getProperty("java.class.path"),
                      MassFleetShard.class.getName(),
                      ACCOUNT,
                      "cam-",
                      "" + first,
                      "" + count,
                      "127.0.0.1",
                      "" + edgePorts.get(s),
                      sources,
                      "60",
                      traceFile.toString(),
                      "10",
                      "" + (1000 + s))
                  .redirectErrorStream(true)
                  .redirectOutput(work.resolve("shard-" + s + ".log").toFile())
                  .start());
        }
        long found =
            waitFor(census::online, devices, Duration.ofMinutes(30), out, "online in the census");
        double discovery = (System.nanoTime() - t0) / 1e9;
        out.printf(
            Locale.ROOT,
            "discovery: %d of %d devices online in the census after %.1f s%n",
            found,
            devices,
            discovery);
        // Steady state: one health period to settle, then the window.
        Thread.sleep(60_000);
        long[] before = cpu(brokers, agents);
        long[] sys0 = received(ports(central, edgePorts));
        long m0 = listener.messages();
        long w0 = System.nanoTime();
        Thread.sleep(steadySeconds * 1000L);
        double window = (System.nanoTime() - w0) / 1e9;
        long m1 = listener.messages();
        long[] after = cpu(brokers, agents);
        long[] sys1 = received(ports(central, edgePorts));
        double rate = (m1 - m0) / window;
        long edgeIn = 0;
        for (int i = 1; i < sys0.length; i++) {
          edgeIn += sys1[i] - sys0[i];
        }
        out.printf(
            Locale.ROOT,
            "steady state: %.0f messages/s received by the edge brokers from the devices (health, alarms,"
                + " events, counts; $SYS/broker/publish/messages/received), %.0f messages/s received by the central broker%n",
            edgeIn / window,
            (sys1[0] - sys0[0]) / window);
        out.printf(
            Locale.ROOT,
            "steady state: %.0f messages/s through the central broker to the census (%d s window)%n",
            rate,
            Math.round(window));
        out.printf(
            Locale.ROOT,
            "CPU over the window: central broker %.1f %%, edge brokers %.1f %% together, agent processes"
                + " %.1f %% together, census (this JVM) %.1f %% (100 %% = one core)%n",
            100.0 * (after[0] - before[0]) / 100 / window,
            100.0 * (after[1] - before[1]) / 100 / window,
            100.0 * (after[2] - before[2]) / 100 / window,
            100.0 * (after[3] - before[3]) / 100 / window);
        out.printf(
            Locale.ROOT,
            "RSS: central broker %d MB, edge brokers %d MB together, agent processes %d MB together,"
                + " census JVM %d MB%n",
            rss(brokers.subList(0, 1)),
            rss(brokers.subList(1, brokers.size())),
            rss(agents),
            rssOf(ProcessHandle.current().pid()));
        long c0 = System.nanoTime();
        List<FleetCensus.Row> rows = census.rows();
        var totals = census.totals();
        CensusReport.writeCsv(census, work.resolve("census.csv"));
        out.printf(
            Locale.ROOT,
            "census: %d rows, totals %s, list + totals + CSV in %.2f s%n",
            rows.size(),
            totals.get("camera_states"),
            (System.nanoTime() - c0) / 1e9);
        FleetCensus late = new FleetCensus(ACCOUNT, "late");
        long l0 = System.nanoTime();
        try (CensusListener lateListener =
            CensusListener.start(
                "tcp://127.0.0.1:" + central, ACCOUNT, "late", late, Duration.ofSeconds(30))) {
          long lateFound =
              waitFor(
                  late::online,
                  devices,
                  Duration.ofMinutes(5),
                  out,
                  "online in a census started late");
          out.printf(
              Locale.ROOT,
              "a census started late: %d devices online from their answers to its GET and their health reports in %.1f s%n",
              lateFound,
              (System.nanoTime() - l0) / 1e9);
        }
        long s0 = System.nanoTime();
        for (Process p : agents) {
          try (Writer w =
              new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8)) {
            w.write("stop\n");
          }
        }
        waitFor(
            () -> devices - census.online(),
            devices,
            Duration.ofMinutes(5),
            out,
            "offline after the stop");
        out.printf(
            Locale.ROOT,
            "clean stop: every device offline (DC) in the census after %.1f s%n",
            (System.nanoTime() - s0) / 1e9);
      }
    } finally {
      for (Process p : agents) {
        p.destroy();
        p.waitFor(30, TimeUnit.SECONDS);
      }
      for (Process p : brokers) {
        p.destroy();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static List<Integer> ports(int central, List<Integer> edges) {
    List<Integer> all = new ArrayList<>();
    all.add(central);
    all.addAll(edges);
    return all;
  }

  /**
   * Each broker's $SYS/broker/publish/messages/received (published every 5 s; read as the next one
   * arrives).
   */
  private static long[] received(List<Integer> ports) throws Exception {
    long[] out = new long[ports.size()];
    for (int i = 0; i < ports.size(); i++) {
      java.util.concurrent.CompletableFuture<Long> value =
          new java.util.concurrent.CompletableFuture<>();
      org.eclipse.paho.client.mqttv3.MqttClient c =
          new org.eclipse.paho.client.mqttv3.MqttClient(
              "tcp://127.0.0.1:" + ports.get(i),
              "sys-reader-" + i + "-" + System.nanoTime(),
              new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
      c.connect();
      c.subscribe(
          "$SYS/broker/publish/messages/received",
          (topic, message) ->
              value.complete(
                  Long.parseLong(
                      new String(message.getPayload(), StandardCharsets.UTF_8).strip())));
      out[i] = value.get(30, TimeUnit.SECONDS);
      c.disconnect();
      c.close();
    }
    return out;
  }

  private static long waitFor(
      LongSupplier value, long target, Duration timeout, PrintStream out, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long lastPrint = 0;
    long start = System.nanoTime();
    while (value.getAsLong() < target && System.nanoTime() < deadline) {
      if (System.nanoTime() - lastPrint > 10_000_000_000L) {
        lastPrint = System.nanoTime();
        out.printf(
            Locale.ROOT, "  %5.0f s: %d %s%n", (lastPrint - start) / 1e9, value.getAsLong(), what);
      }
      Thread.sleep(100);
    }
    return value.getAsLong();
  }

  private static Process mosquitto(Path dir, int port, List<String> extra) throws IOException {
    Files.createDirectories(dir);
    List<String> lines =
        new ArrayList<>(
            List.of(
                "user " + System.getProperty("user.name"),
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                "persistence false",
                "max_connections -1",
                // The centre takes national bursts (75,476 DCs in seconds at a mass stop; a GET
                // answered by everyone): with
                // the default queue of 1,000 (and at 10,000 in the first run) the census lost most
                // of them.
                "max_queued_messages 1000000",
                "max_inflight_messages 100",
                "sys_interval 5",
                "log_dest file " + dir.resolve("mosquitto.log"),
                "log_type error",
                "log_type warning",
                "log_type notice"));
    lines.addAll(extra);
    Path conf = dir.resolve("mosquitto.conf");
    Files.write(conf, lines);
    Process p =
        new ProcessBuilder("mosquitto", "-c", conf.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .start();
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return p;
      } catch (IOException notYet) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
    }
    throw new IOException("mosquitto did not listen on " + port);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** CPU ticks (1/100 s): central broker, edges, agents, this JVM. */
  private static long[] cpu(List<Process> brokers, List<Process> agents) throws IOException {
    long central = ticks(brokers.get(0).pid());
    long edges = 0;
    for (Process p : brokers.subList(1, brokers.size())) {
      edges += ticks(p.pid());
    }
    long agentTicks = 0;
    for (Process p : agents) {
      agentTicks += ticks(p.pid());
    }
    return new long[] {central, edges, agentTicks, ticks(ProcessHandle.current().pid())};
  }

  private static long ticks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  private static long rss(List<Process> processes) throws IOException {
    long total = 0;
    for (Process p : processes) {
      total += rssOf(p.pid());
    }
    return total;
  }

  private static long rssOf(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return 0;
  }
}
