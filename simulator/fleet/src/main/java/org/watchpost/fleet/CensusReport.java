// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import com.google.gson.GsonBuilder;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The census as the terminal, a spreadsheet (CSV) or a program (JSON) reads it. */
public final class CensusReport {
  private CensusReport() {}

  static final String CSV_HEADER =
      "device,site,region,device_state,device_since,camera,camera_state,fault_since,model";

  /** Totals, then the first {@code limit} rows of the list, the oldest unresolved fault first. */
  @SuppressWarnings("unchecked")
  static String text(FleetCensus census, int limit) {
    Map<String, Object> totals = census.totals();
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "%d device(s): %s%n",
            (Long) totals.get("devices"),
            totals.get("device_states")));
    s.append(String.format(Locale.ROOT, "cameras: %s%n", totals.get("camera_states")));
    for (String group : List.of("regions", "sites")) {
      Map<String, Map<String, Long>> g = (Map<String, Map<String, Long>>) totals.get(group);
      s.append(
          String.format(
              Locale.ROOT,
              "%-24s %8s %8s %8s %8s%n",
              group.toUpperCase(Locale.ROOT),
              "DEVICES",
              "OFFLINE",
              "CAMERAS",
              "FAULTY"));
      g.entrySet().stream()
          .limit(50)
          .forEach(
              e ->
                  s.append(
                      String.format(
                          Locale.ROOT,
                          "%-24s %8d %8d %8d %8d%n",
                          e.getKey(),
                          e.getValue().get("devices"),
                          e.getValue().get("offline"),
                          e.getValue().get("cameras"),
                          e.getValue().get("cameras_faulty"))));
      if (g.size() > 50) {
        s.append(String.format(Locale.ROOT, "... %d more%n", g.size() - 50));
      }
    }
    List<FleetCensus.Row> rows = census.rows();
    s.append(
        String.format(
            Locale.ROOT,
            "%-22s %-10s %-10s %-10s %-20s %-10s %-18s %-20s %s%n",
            "DEVICE",
            "SITE",
            "REGION",
            "STATE",
            "SINCE",
            "CAMERA",
            "CAMERA STATE",
            "FAULT SINCE",
            "MODEL"));
    for (FleetCensus.Row r : rows.subList(0, Math.min(limit, rows.size()))) {
      s.append(
          String.format(
              Locale.ROOT,
              "%-22s %-10s %-10s %-10s %-20s %-10s %-18s %-20s %s%n",
              r.device(),
              r.site(),
              r.region(),
              r.deviceState(),
              FleetCensus.time(r.deviceSinceMillis()),
              r.camera(),
              r.cameraState(),
              FleetCensus.time(r.faultSinceMillis()),
              r.model()));
    }
    if (rows.size() > limit) {
      s.append(
          String.format(
              Locale.ROOT, "... %d more row(s): --csv or --json for all%n", rows.size() - limit));
    }
    return s.toString();
  }

  public static void writeCsv(FleetCensus census, Path file) throws IOException {
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      out.write(CSV_HEADER);
      out.newLine();
      for (FleetCensus.Row r : census.rows()) {
        // Every field is an id checked for printable ASCII or a label without commas and quotes
        // (FleetCensus.label).
        out.write(
            String.join(
                ",",
                cell(r.device()),
                cell(r.site()),
                cell(r.region()),
                r.deviceState(),
                FleetCensus.time(r.deviceSinceMillis()),
                cell(r.camera()),
                r.cameraState(),
                FleetCensus.time(r.faultSinceMillis()),
                cell(r.model())));
        out.newLine();
      }
    }
  }

  /**
   * A spreadsheet runs a cell that starts like a formula: such a text from a device is written as
   * text.
   */
  static String cell(String text) {
    return !text.isEmpty() && "=+-@".indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
  }

  static void writeJson(FleetCensus census, Path file) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (FleetCensus.Row r : census.rows()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("device", r.device());
      m.put("site", r.site());
      m.put("region", r.region());
      m.put("device_state", r.deviceState());
      m.put("device_since", FleetCensus.time(r.deviceSinceMillis()));
      m.put("camera", r.camera());
      m.put("camera_state", r.cameraState());
      m.put("fault_since", FleetCensus.time(r.faultSinceMillis()));
      m.put("model", r.model());
      rows.add(m);
    }
    Map<String, Object> all = new LinkedHashMap<>(census.totals());
    all.put("rows", rows);
    Files.writeString(
        file, new GsonBuilder().setPrettyPrinting().create().toJson(all), StandardCharsets.UTF_8);
  }
}
