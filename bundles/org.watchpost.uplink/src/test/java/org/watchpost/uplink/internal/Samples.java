// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.NormalizedBox;
import org.watchpost.api.event.Priority;
import org.watchpost.testing.Configs;

/** Events and configurations the uplink tests share. */
final class Samples {
  private Samples() {}

  static final long T0 = 1_764_000_000_000L;

  /** A line crossing as the analytics raise it. */
  static Event lineCrossing(String cameraId, long trackId, long timeMillis) {
    return new Event(
        "line_crossing",
        "line-1",
        cameraId,
        "person",
        trackId,
        0.87f,
        new NormalizedBox(0.41f, 0.30f, 0.05f, 0.12f),
        timeMillis - 2_400,
        timeMillis,
        Priority.EVENT,
        Map.of("direction", "in"),
        null);
  }

  static Event withPriority(String cameraId, long n, Priority priority) {
    String type = priority == Priority.ALARM ? "intrusion" : "line_crossing";
    return new Event(
        type,
        "rule-" + priority.name().toLowerCase(),
        cameraId,
        "person",
        n,
        0.9f,
        null,
        T0 + n,
        T0 + n,
        priority,
        Map.of("direction", n % 2 == 0 ? "in" : "out"),
        null);
  }

  /**
   * A configuration for tests: fast reconnects, a fresh outbox under target/, everything else
   * default.
   */
  static UplinkConfig config(String brokerUrl, Path outbox, Map<String, Object> overrides) {
    Map<String, Object> values = new HashMap<>();
    values.put("broker_url", brokerUrl);
    values.put("account", "acme");
    values.put("client_id", "box-7");
    values.put("outbox_path", outbox.toString());
    values.put("reconnect_initial_ms", 100L);
    values.put("reconnect_max_ms", 1_000L);
    values.put("connect_timeout_s", 5);
    values.put("keep_alive_s", 30);
    values.put("drain_on_stop_s", 10);
    values.putAll(overrides);
    return Configs.with(UplinkConfig.class, values);
  }
}
