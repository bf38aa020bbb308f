package org.watchpost.models.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Longest inter-frame gap while the model is swapped at 10 fps on vtest, over several runs:
 * {@code ./mvnw -q -o exec:java -pl bundles/org.watchpost.models -Dexec.classpathScope=test
 * -Dexec.mainClass=org.watchpost.models.internal.SwapGapBenchmark -Dexec.args=5 -Dwatchpost.shared=...}
 */
public final class SwapGapBenchmark {
  private SwapGapBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    List<Double> acrossSwap = new ArrayList<>();
    List<Double> longest = new ArrayList<>();
    List<Double> median = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      SwapRun.Outcome run = SwapRun.run(150, 10);
      acrossSwap.add(run.gapMillis(run.swapIndex() - 2, run.swapIndex() + 3));
      longest.add(run.gapMillis(1, run.frames().size()));
      median.add(run.medianGapMillis());
      System.out.printf(Locale.ROOT, "run %d: swap at frame %d, gap across the swap %.1f ms, longest %.1f ms, median %.1f ms, "
          + "%d skipped, %d failures%n", i + 1, run.swapIndex(), acrossSwap.get(i), longest.get(i), median.get(i),
          run.skipped(), run.failures());
    }
    System.out.printf(Locale.ROOT, "median of %d runs: gap across the swap %.1f ms, longest gap %.1f ms, median gap %.1f ms "
        + "(frame interval 100 ms)%n", runs, med(acrossSwap), med(longest), med(median));
    System.exit(0);
  }

  private static double med(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get(sorted.size() / 2);
  }
}
