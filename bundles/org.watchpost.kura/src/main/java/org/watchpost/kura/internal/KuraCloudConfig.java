// SPDX-License-Identifier: Apache-2.0
package org.watchpost.kura.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * The Kura adapter's configuration, shown in Kura's UI. {@code CloudPublisher.target} is the
 * property name Kura's UI offers a publisher picker for; the publisher's {@code app.topic} decides
 * the topic, e.g. {@code $kind/$camera} ({@code kind} is events, counts or health; {@code camera}
 * the camera id or the health subject).
 *
 * <p>The other attributes are the governed uplink's, by the standalone uplink's property names (the
 * uplink reads them as its own; {@code org.watchpost.uplink}'s Metatype documents them in full):
 * only those that mean something in front of Kura's publisher are offered, with defaults for a
 * gateway.
 */
@ObjectClassDefinition(
    id = KuraCloudConfig.PID,
    name = "Watchpost on Kura",
    description =
        "Events, counts and health through one of Kura's cloud publishers, behind Watchpost's outbox, priorities and bandwidth budget; MODEL-V1 and the other remote commands through Kura's request handler registry.")
public @interface KuraCloudConfig {
  String PID = "org.watchpost.kura.cloud";

  @AttributeDefinition(
      name = "CloudPublisher target filter",
      description =
          "The cloud publisher events and health go through (Kura's UI offers the publishers it has). Set its app.topic to, e.g., $kind/$camera.")
  String CloudPublisher_target() default "(kura.service.pid=changeme)";

  @AttributeDefinition(
      name = "Budget (bit/s)",
      required = false,
      min = "0",
      description =
          "Hard cap over any 10 s window of what Watchpost hands to Kura's publisher, counted as MQTT 3.1.1 at QoS 1 with its acknowledgement and the per-packet overhead; alarms first, events folded into counts when over. Kura's own traffic (its BIRTH, pings) is not counted. 0: no cap.")
  long budget_bits_per_s() default 0;

  @AttributeDefinition(
      name = "Burst (s)",
      required = false,
      min = "0.1",
      description = "Seconds of budget that may leave at once after a quiet spell.")
  double burst_s() default 1.0;

  @AttributeDefinition(
      name = "Per-packet overhead (bytes)",
      required = false,
      min = "0",
      description = "Bytes counted per MQTT packet beyond its own (TCP/IP headers, TLS record).")
  int per_packet_overhead_bytes() default 40;

  @AttributeDefinition(
      name = "Fold events after (s of budget)",
      required = false,
      min = "1",
      description =
          "When the waiting events and alarms would take longer than this to send within the budget, new events below alarm are folded into counts per rule.")
  int fold_after_s() default 120;

  @AttributeDefinition(
      name = "Fold interval (s)",
      required = false,
      min = "1",
      description = "How often folded counts are published while folding.")
  int fold_interval_s() default 60;

  @AttributeDefinition(
      name = "Batch size",
      required = false,
      min = "1",
      max = "1000",
      description =
          "1: one standard KuraPayload per message, as a stock Kapua reads. More: waiting messages of one topic go as one batch payload (metric batch, the payloads length-delimited in the body), which only Watchpost's console reads.")
  int batch_max() default 1;

  @AttributeDefinition(
      name = "Outbox file",
      required = false,
      description =
          "The outbox's SQLite database, where messages wait in priority order until Kura's publisher takes them; a relative path is under watchpost/ in Kura's data directory (framework property kura.data).")
  String outbox_path() default "uplink/outbox.db";

  @AttributeDefinition(
      name = "Outbox size (bytes)",
      required = false,
      min = "4096",
      description =
          "Bound of the stored messages; when full the lowest priority is dropped, oldest first.")
  long outbox_max_bytes() default 16L << 20;

  @AttributeDefinition(
      name = "Largest message (bytes)",
      required = false,
      min = "256",
      description = "A message whose payload (with its crop) is larger is refused and counted.")
  int max_message_bytes() default 64 * 1024;

  @AttributeDefinition(
      name = "Event payload profile",
      required = false,
      description =
          "verbose: full metric names (type rule class track conf), as Kura consoles key on; compact: one-letter names and codes (EventMetrics), about 40 B less per event.",
      options = {
        @Option(value = "verbose", label = "Verbose"),
        @Option(value = "compact", label = "Compact")
      })
  String payload_profile() default "verbose";

  @AttributeDefinition(
      name = "Include box",
      required = false,
      description = "Send each event's box and first-seen time.")
  boolean include_box() default false;

  @AttributeDefinition(
      name = "Downlink budget (bit/s)",
      required = false,
      min = "-1",
      description =
          "Rate of what the device asks Kura's cloud to send it (replies it expects, such as model chunks): a notification asking for a reply (a MODEL-V1 chunk request) waits until the replies asked before it would have crossed a link at this rate within 2 s. Requests Kura routes are not counted here. -1: the same as the budget; 0: no cap.")
  long downlink_budget_bits_per_s() default -1;

  @AttributeDefinition(
      name = "Full health report every",
      required = false,
      min = "1",
      description =
          "Health reports carry only what changed since the last one (delta=k, gone=names that disappeared); every this many reports of a subject, and after a HEALTH-V1 GET full request, the report is full (full=true). 1: every report full.")
  int health_full_every() default 10;
}
