// SPDX-License-Identifier: Apache-2.0
package org.watchpost.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.watchpost.testing.SharedData;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;

/**
 * What the whole vtest clip costs on the link through Kura's CloudPublisher: the camera runs every
 * frame of the clip inside the Kura 6 shaped framework of KuraCompatibilityIT, the probe keeps
 * every KuraMessage, and each is priced as Kura's cloud connection sends it: its KuraPayload
 * protobuf (the same encoding as the uplink's codec) in an MQTT 3.1.1 PUBLISH at QoS 1 to
 * {account}/{client}/{app.id}/{kind}/{camera} plus its PUBACK. Not in verify: run with ./mvnw -o
 * verify -pl target-platform -Ddist.skip -Dit.test=KuraPathBenchmark -Dwatchpost.kura.measure=true
 * (a test method so that failsafe passes it the built packages; skipped unless asked).
 */
public final class KuraPathBenchmark {
  /** The clip's length in stream time, which the rates are per (vtest: 795 frames at 10 fps). */
  static final double CLIP_SECONDS = 79.5;

  static final String TOPIC_PREFIX = "watchpost/gateway-1/wp/";

  @org.junit.jupiter.api.Test
  @org.junit.jupiter.api.condition.EnabledIfSystemProperty(
      named = "watchpost.kura.measure",
      matches = "true")
  void wholeClipThroughTheCloudPublisher() throws Exception {
    Properties extra = new Properties();
    extra.setProperty("watchpost.probe.measure.s", "300");
    extra.setProperty("timeout.ms", "600000");
    Path scratch = SharedData.scratchDirectory("kura-bench");
    Properties r = KuraCompatibilityIT.run(KuraLine.KURA_6, scratch, extra);
    org.junit.jupiter.api.Assertions.assertEquals(
        "true", r.getProperty("measure.clip.ended"), "the clip ran to its end");
    long bytes = 0;
    Map<String, Integer> byKind = new LinkedHashMap<>();
    List<String> lines = new ArrayList<>();
    for (int i = 0; r.getProperty("message." + i) != null; i++) {
      lines.add(r.getProperty("message." + i));
    }
    for (String line : lines) {
      String[] f = line.split("\\|");
      Map<String, Object> metrics = new LinkedHashMap<>();
      for (int j = 4; j < f.length; j++) {
        String name = f[j].substring(0, f[j].indexOf('='));
        String typed = f[j].substring(f[j].indexOf('=') + 1);
        String type = typed.substring(0, typed.indexOf(':'));
        String value = typed.substring(typed.indexOf(':') + 1);
        metrics.put(
            name,
            switch (type) {
              case "Long" -> Long.valueOf(value);
              case "Integer" -> Integer.valueOf(value);
              case "Double" -> Double.valueOf(value);
              case "Float" -> Float.valueOf(value);
              case "Boolean" -> Boolean.valueOf(value);
              default -> value;
            });
      }
      byte[] body = Integer.parseInt(f[3]) == 0 ? null : new byte[Integer.parseInt(f[3])];
      byte[] payload =
          KuraPayloadCodec.encode(new KuraPayload(Long.parseLong(f[2]), null, metrics, body));
      String topic = TOPIC_PREFIX + f[0] + "/" + f[1];
      int remaining = 2 + topic.length() + 2 + payload.length;
      int header = 1 + (remaining < 128 ? 1 : remaining < 16384 ? 2 : 3);
      bytes += header + remaining + 4; // the PUBACK
      byKind.merge(f[0], 1, Integer::sum);
    }
    int events = byKind.getOrDefault("events", 0);
    System.out.printf(
        "KuraPathBenchmark: %d messages %s, %d B on the link, %.3f events/s and %.0f bit/s of clip time "
            + "(%.1f s of clip), run took %s ms%n",
        lines.size(),
        byKind,
        bytes,
        events / CLIP_SECONDS,
        bytes * 8 / CLIP_SECONDS,
        CLIP_SECONDS,
        r.getProperty("measure.ms"));
  }
}
