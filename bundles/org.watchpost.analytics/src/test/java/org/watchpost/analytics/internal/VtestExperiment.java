// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.watchpost.analytics.internal.rules.RuleParser;

/**
 * Runs the analytics over vtest with cached detections under several settings and prints identities
 * and line counts; each argument is one variant, {@code key=value} pairs of {@link AnalyticsConfig}
 * separated by commas ({@code --lives} prints where each identity was born and last seen).
 */
public final class VtestExperiment {
  public static void main(String[] args) {
    nu.pattern.OpenCV.loadLocally();
    CachedDetections detector = CachedDetections.vtest();
    boolean printLives = List.of(args).contains("--lives");
    for (String variant : args) {
      if (variant.equals("--lives")) {
        continue;
      }
      Map<String, Object> config = new HashMap<>();
      config.put("incidents", false);
      config.put("load_shedding", false);
      config.put("crop_detection", false);
      for (String kv : variant.split(",")) {
        if (kv.isEmpty()) {
          continue;
        }
        String[] p = kv.split("=");
        Object v =
            p[1].matches("true|false")
                ? (Object) Boolean.valueOf(p[1])
                : p[1].contains(".") ? (Object) Double.valueOf(p[1]) : (Object) Long.valueOf(p[1]);
        if (p[0].equals("track_high_score")
            || p[0].equals("track_new_score")
            || p[0].equals("stationary_radius")
            || p[0].equals("min_travel")) {
          v = ((Number) v).floatValue();
        } else if (p[0].equals("track_min_hits")
            || p[0].equals("crop_size_px")
            || p[0].equals("motion_width")) {
          v = ((Number) v).intValue();
        }
        config.put(p[0], v);
      }
      List<RuleSource> rules = new ArrayList<>(Vtest.defaultRules());
      rules.add(
          Vtest.source(
              "everywhere",
              new RuleParser.Input(
                  "everywhere",
                  "*",
                  "zone_intrusion",
                  "0,0 1,0 1,1 0,1",
                  new String[] {"person", "vehicle"},
                  "always",
                  "UTC",
                  30,
                  5,
                  600,
                  "both",
                  60,
                  "")));
      Vtest.Run run = Vtest.run(Vtest.component(config, rules), Vtest::frames, detector);
      System.out.printf(
          "%-60s runs %3d  persons %2d  line %s  events %d%n",
          variant,
          run.detectorRuns(),
          run.personIds().size(),
          run.totals().get("main-line"),
          run.events().size());
      if (printLives) {
        run.lives().forEach((id, life) -> System.out.println("  " + id + ": " + life));
      }
    }
    System.exit(0);
  }
}
