// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import com.google.gson.GsonBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What keeping a national rollout costs per save: the JSON file rewritten whole (the format the
 * store replaced: RolloutState pretty-printed, forced, renamed) against a save of the changed rows
 * only, for a rollout of N devices of which C changed since the last save. Prints the median of
 * several saves of each.
 *
 * <p>{@code ./mvnw -q -o exec:java -pl simulator/fleet -Dexec.classpathScope=test
 * -Dexec.mainClass=org.watchpost.fleet.RolloutStoreBenchmark -Dexec.args="75476 1000 [jdbc-url]"}
 */
public final class RolloutStoreBenchmark {
  private RolloutStoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 75_476;
    int changed = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
    Path dir = Files.createDirectories(Path.of("target/store-benchmark").toAbsolutePath());
    String at = args.length > 2 ? args[2] : dir.resolve("rollout.db").toString();
    Files.deleteIfExists(dir.resolve("rollout.db"));
    RolloutState s = new RolloutState();
    s.rolloutId = "bench-" + System.nanoTime();
    s.packageFile = "/p.zip";
    s.packageSha256 = "ab".repeat(32);
    s.packageSize = 3_600_000;
    s.modelName = "yolox-nano";
    s.modelVersion = "0.1.2";
    s.transport = "mqtt";
    s.targets = List.of("*");
    s.stages = List.of(0.01, 0.1, 0.5, 1.0);
    List<DeviceRecord> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      DeviceRecord d = new DeviceRecord();
      d.clientId = String.format("cam-%06d", i);
      d.online = true;
      d.lastSeenMillis = System.currentTimeMillis();
      d.modelVersion = "0.1.1";
      d.deviceState = "IDLE";
      s.devices.put(d.clientId, d);
      all.add(d);
    }
    Path json = dir.resolve("rollout.json");
    List<Double> jsonTimes = new ArrayList<>();
    for (int run = 0; run < 7; run++) {
      long t = System.nanoTime();
      byte[] bytes =
          new GsonBuilder().setPrettyPrinting().create().toJson(s).getBytes(StandardCharsets.UTF_8);
      Path tmp = dir.resolve("rollout.json.tmp");
      try (var out =
          java.nio.channels.FileChannel.open(
              tmp,
              java.nio.file.StandardOpenOption.CREATE,
              java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
              java.nio.file.StandardOpenOption.WRITE)) {
        out.write(java.nio.ByteBuffer.wrap(bytes));
        out.force(true);
      }
      Files.move(
          tmp,
          json,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      jsonTimes.add((System.nanoTime() - t) / 1e6);
    }
    List<Double> rowTimes = new ArrayList<>();
    double first;
    try (RolloutStore store = RolloutStore.open(at)) {
      long t0 = System.nanoTime();
      store.save(s, all);
      first = (System.nanoTime() - t0) / 1e6;
      for (int run = 0; run < 7; run++) {
        List<DeviceRecord> batch = new ArrayList<>();
        for (int i = 0; i < changed; i++) {
          DeviceRecord d = all.get((run * changed + i) % n);
          d.phase = DeviceRecord.Phase.IN_PROGRESS;
          d.progress = run * 10;
          d.status = "DOWNLOADING";
          batch.add(d);
        }
        long t = System.nanoTime();
        store.save(s, batch);
        rowTimes.add((System.nanoTime() - t) / 1e6);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%d devices: JSON file rewritten whole %.1f MB, median %.0f ms a save%n",
        n,
        Files.size(json) / 1e6,
        median(jsonTimes));
    System.out.printf(
        Locale.ROOT,
        "store %s: first save of all rows %.0f ms; %d changed rows, median %.0f ms a save%n",
        RolloutStore.redact(at),
        first,
        changed,
        median(rowTimes));
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
