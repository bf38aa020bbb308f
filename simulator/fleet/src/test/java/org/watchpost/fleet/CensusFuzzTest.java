// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * What the health census reads is network input: any topic, any payload (a KuraPayload with fuzzed
 * metrics, or raw bytes) is taken or counted, never thrown; what it keeps stays within its bounds
 * (cameras per device, label lengths, printable ids) and its CSV keeps one cell per column whatever
 * the devices said.
 */
class CensusFuzzTest {
  private static final String ACCOUNT = "acme";
  private static final List<String> KINDS =
      List.of(
          "$EDC/acme/%s/MQTT/BIRTH",
          "$EDC/acme/%s/MQTT/DC",
          "$EDC/acme/%s/MQTT/LWT",
          "acme/%s/wp/health/%s",
          "acme/%s/wp/health/device",
          "$EDC/acme/census/MODEL-V1/REPLY/%s",
          "acme/%s/wp/events/%s",
          "%s/%s");
  private static final List<String> NAMES =
      List.of(
          "state",
          "raised",
          "site",
          "region",
          "model_name",
          "model_version",
          "client.id",
          "response.code",
          "active.version",
          "reason");
  private static final List<String> STATES =
      List.of("OK", "BLACK", "MOVED", "FROZEN", "NO_SIGNAL", "LOW_FPS", "EVIL", "");

  @FuzzTest(maxDuration = "8s")
  void anyMessageIsTakenOrCountedWithinBounds(FuzzedDataProvider data) throws IOException {
    FleetCensus census = new FleetCensus(ACCOUNT, "census");
    int messages = data.consumeInt(1, 40);
    for (int i = 0; i < messages && data.remainingBytes() > 0; i++) {
      String device =
          data.consumeBoolean() ? "dev-" + data.consumeInt(0, 3) : data.consumeString(40);
      String subject =
          data.consumeBoolean() ? "cam-" + data.consumeInt(0, 40) : data.consumeString(30);
      String topic = String.format(data.pickValue(KINDS), device, subject);
      byte[] wire;
      if (data.consumeBoolean()) {
        Map<String, Object> metrics = new LinkedHashMap<>();
        int n = data.consumeInt(0, 6);
        for (int k = 0; k < n; k++) {
          String name = data.consumeBoolean() ? data.pickValue(NAMES) : data.consumeString(12);
          Object value =
              switch (data.consumeInt(0, 4)) {
                case 0 -> data.pickValue(STATES);
                case 1 -> data.consumeBoolean();
                case 2 -> data.consumeLong();
                case 3 -> data.consumeDouble();
                default -> data.consumeString(200);
              };
          metrics.put(name, value);
        }
        Long at = data.consumeBoolean() ? null : data.consumeLong();
        wire = KuraPayloadCodec.encode(new KuraPayload(at, null, metrics, null));
      } else {
        wire = data.consumeBytes(300);
      }
      census.accept(topic, wire, 1_800_000_000_000L + i);
    }
    for (FleetCensus.Row r : census.rows()) {
      assertTrue(
          r.site().length() <= FleetCensus.MAX_LABEL
              && r.region().length() <= FleetCensus.MAX_LABEL
              && r.camera().length() <= FleetCensus.MAX_LABEL
              && r.model().length() <= 2 * FleetCensus.MAX_LABEL + 1,
          r.toString());
      assertTrue(
          r.device().length() <= FleetCensus.MAX_ID
              && r.device().chars().allMatch(c -> c > 0x20 && c < 0x7f),
          r.device());
      assertTrue(
          r.cameraState().isEmpty()
              || List.of(r.cameraState().split("\\+")).stream()
                  .allMatch(FleetCensus.CAMERA_STATES::contains),
          r.cameraState());
    }
    census.rows().stream()
        .collect(java.util.stream.Collectors.groupingBy(FleetCensus.Row::device))
        .forEach((d, rows) -> assertTrue(rows.size() <= FleetCensus.MAX_CAMERAS, d));
    census.totals();
    Path csv = Files.createTempFile("census", ".csv");
    try {
      CensusReport.writeCsv(census, csv);
      for (String line : Files.readAllLines(csv)) {
        assertEquals(9, line.split(",", -1).length, line);
      }
    } finally {
      Files.delete(csv);
    }
  }
}
