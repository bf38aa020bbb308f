// SPDX-License-Identifier: Apache-2.0
package org.watchpost.simulator.fleet;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One process of the mass fleet: a range of agents against one broker listener. A process holds at
 * most as many sockets as its open-file limit allows (20,000 on the build host, which may not be
 * raised there), so 75,476 devices are a few such processes; {@link MassFleetBenchmark} starts
 * them. Prints its counters every 5 s; a line "stop" (or the end of stdin) stops it cleanly: every
 * agent sends its DC and disconnects.
 *
 * <p>Arguments: account prefix first count host port sources(comma, or -) healthSeconds trace
 * eventSlowdown seed
 */
public final class MassFleetShard {
  private MassFleetShard() {}

  public static void main(String[] args) throws Exception {
    List<String> sources = args[6].equals("-") ? List.of() : List.of(args[6].split(","));
    Trace trace = args[8].equals("-") ? null : Trace.load(Path.of(args[8]));
    MassFleet fleet =
        new MassFleet(
            new MassFleet.Settings(
                args[0],
                args[1],
                Integer.parseInt(args[2]),
                Integer.parseInt(args[3]),
                args[4],
                Integer.parseInt(args[5]),
                sources,
                Duration.ofSeconds(Long.parseLong(args[7])),
                trace,
                Double.parseDouble(args[9]),
                Long.parseLong(args[10]),
                200,
                1));
    Thread status =
        new Thread(
            () -> {
              try {
                while (!Thread.currentThread().isInterrupted()) {
                  System.out.printf(
                      "shard connected=%d published=%d failures=%d answered=%d%n",
                      fleet.connected(),
                      fleet.published(),
                      fleet.publishFailures(),
                      fleet.requestsAnswered());
                  System.out.flush();
                  Thread.sleep(5_000);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "shard-status");
    status.setDaemon(true);
    status.start();
    Thread starter =
        new Thread(
            () -> {
              try {
                fleet.start();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "shard-start");
    starter.setDaemon(true);
    starter.start();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null && !line.strip().equals("stop")) {
        // wait for the word
      }
    }
    starter.interrupt();
    fleet.close();
    System.out.printf(
        "shard stopped connected=%d published=%d%n", fleet.connected(), fleet.published());
    System.exit(0);
  }
}
