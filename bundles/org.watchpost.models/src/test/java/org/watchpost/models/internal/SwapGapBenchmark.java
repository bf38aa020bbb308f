// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.watchpost.api.frame.FeedMode;

/**
 * Longest inter-frame gap while the model is swapped at 10 fps on vtest, over several runs: {@code
 * ./mvnw -q -o exec:java -pl bundles/org.watchpost.models -Dexec.classpathScope=test
 * -Dexec.mainClass=org.watchpost.models.internal.SwapGapBenchmark -Dexec.args=5
 * -Dwatchpost.shared=...}
 */
public final class SwapGapBenchmark {
  private SwapGapBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    List<Double> atSwap = new ArrayList<>();
    List<Double> acrossSwap = new ArrayList<>();
    List<Double> longest = new ArrayList<>();
    List<Double> median = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      SwapRun.Outcome run = SwapRun.run(150, 10, FeedMode.NEWEST_WINS);
      acrossSwap.add(run.gapMillis(run.swapIndex() - 2, run.swapIndex() + 3));
      atSwap.add(run.swapGapMillis());
      longest.add(run.gapMillis(1, run.frames().size()));
      median.add(run.medianGapMillis());
      StringBuilder around = new StringBuilder();
      for (int f = Math.max(1, run.swapIndex() - 4);
          f < Math.min(run.frames().size(), run.swapIndex() + 5);
          f++) {
        around.append(
            String.format(
                Locale.ROOT,
                " #%d %s %+.0fms",
                run.frames().get(f).sequence(),
                run.frames().get(f).modelVersion(),
                (run.frames().get(f).doneNanos() - run.frames().get(f - 1).doneNanos()) / 1e6));
      }
      System.out.println("around the swap:" + around);
      System.out.printf(
          Locale.ROOT,
          "run %d: swap at frame %d, gap old->new model %.1f ms, longest within 2 frames of the "
              + "swap %.1f ms, longest %.1f ms, median %.1f ms; skipped before the install %d, during transfer and validation %d, "
              + "after the swap %d; %d failures%n",
          i + 1,
          run.swapIndex(),
          atSwap.get(i),
          acrossSwap.get(i),
          longest.get(i),
          median.get(i),
          run.skippedBetween(1, 10),
          run.skippedBetween(10, run.swapIndex()),
          run.skippedBetween(run.swapIndex(), run.frames().size()),
          run.failures());
    }
    System.out.printf(
        Locale.ROOT,
        "median of %d runs: gap old->new model %.1f ms, longest within 2 frames of the swap %.1f ms, "
            + "longest gap %.1f ms, median gap %.1f ms (frame interval 100 ms)%n",
        runs,
        med(atSwap),
        med(acrossSwap),
        med(longest),
        med(median));
    System.exit(0);
  }

  private static double med(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
