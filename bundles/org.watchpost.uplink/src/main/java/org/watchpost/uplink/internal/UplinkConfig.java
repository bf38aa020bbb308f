// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
    id = UplinkConfig.PID,
    name = "Watchpost uplink",
    description =
        "MQTT in Eclipse Kura's conventions with a durable outbox, priorities and a hard bandwidth budget.")
public @interface UplinkConfig {
  String PID = "org.watchpost.uplink";

  @AttributeDefinition(name = "Broker URL", description = "tcp://host:1883 or ssl://host:8883.")
  String broker_url() default "tcp://127.0.0.1:1883";

  @AttributeDefinition(
      name = "MQTT protocol",
      description = "auto tries MQTT 5 (topic aliases) and falls back to 3.1.1.",
      options = {
        @Option(label = "auto", value = "auto"),
        @Option(label = "MQTT 5", value = "5"),
        @Option(label = "MQTT 3.1.1", value = "3.1.1")
      })
  String protocol() default "auto";

  @AttributeDefinition(
      name = "Account",
      description = "The Kura account (tenant): first level of every topic.")
  String account() default "watchpost";

  @AttributeDefinition(
      name = "Client id",
      description = "The device's MQTT client id and second topic level; empty: the host name.",
      required = false)
  String client_id() default "";

  @AttributeDefinition(
      name = "User name",
      description = "Broker user name; empty: none.",
      required = false)
  String username() default "";

  @AttributeDefinition(
      name = "Password",
      description = "Broker password; none ships with the firmware.",
      type = AttributeType.PASSWORD,
      required = false)
  String password() default "";

  @AttributeDefinition(
      name = "Keep-alive (s)",
      description = "MQTT keep-alive; every ping exchange costs bytes on a thin link.",
      min = "10")
  int keep_alive_s() default 300;

  @AttributeDefinition(
      name = "Connect watchdog (s)",
      description = "A connect without CONNACK after this long is abandoned and retried.",
      min = "1")
  int connect_timeout_s() default 30;

  @AttributeDefinition(
      name = "First reconnect delay (ms)",
      description = "Doubles after every failed attempt.",
      min = "10")
  long reconnect_initial_ms() default 2_000;

  @AttributeDefinition(name = "Longest reconnect delay (ms)", min = "10")
  long reconnect_max_ms() default 300_000;

  @AttributeDefinition(
      name = "Reconnect jitter",
      description = "Random share (0..1) of each delay, so a fleet does not reconnect in step.",
      min = "0",
      max = "1")
  double reconnect_jitter() default 0.3;

  @AttributeDefinition(
      name = "TLS trusted CA file",
      description =
          "PEM file of the CA certificates that sign the broker's certificate; empty: the JVM's defaults.",
      required = false)
  String tls_ca_file() default "";

  @AttributeDefinition(
      name = "TLS client key store",
      description =
          "PKCS#12 file with this device's certificate and private key, for mutual TLS; empty: none.",
      required = false)
  String tls_client_keystore() default "";

  @AttributeDefinition(
      name = "TLS client key store password",
      type = AttributeType.PASSWORD,
      required = false)
  String tls_client_keystore_password() default "";

  @AttributeDefinition(
      name = "TLS host name verification",
      description = "Check that the broker's certificate names the host in the URL.")
  boolean tls_hostname_verification() default true;

  @AttributeDefinition(
      name = "TLS handshake bytes",
      description =
          "What one TLS handshake is counted as against the budget (a resumed session costs less; this is an upper bound).",
      min = "0")
  int tls_handshake_bytes() default 6_000;

  @AttributeDefinition(
      name = "Budget (bit/s)",
      description =
          "Hard cap over any 10 s window of what the device sends, MQTT framing and per-packet overhead included (acknowledgements it receives count too; requests it receives are counted on a ledger of their own, so that inbound traffic cannot hold back alarms); 0: no cap.",
      min = "0")
  long budget_bits_per_s() default 0;

  @AttributeDefinition(
      name = "Per-packet overhead (bytes)",
      description =
          "Transport bytes counted per MQTT packet beyond its own: TCP/IP headers, plus the TLS record when TLS is on.",
      min = "0")
  int per_packet_overhead_bytes() default 40;

  @AttributeDefinition(
      name = "Burst (s)",
      description =
          "Token bucket size in seconds of budget: how much may leave at once after a quiet spell.",
      min = "0.1")
  double burst_s() default 1.0;

  @AttributeDefinition(
      name = "Messages in flight",
      description = "Publishes awaiting PUBACK at once.",
      min = "1",
      max = "65535")
  int max_inflight() default 8;

  @AttributeDefinition(
      name = "Batch size",
      description =
          "Most waiting messages of one topic sent as one gzip-compressed publish; 1: no batching.",
      min = "1",
      max = "1000")
  int batch_max() default 50;

  @AttributeDefinition(
      name = "Fold events after (s of budget)",
      description =
          "When the waiting events and alarms would take longer than this to send, new events below alarm are folded into counts per rule.",
      min = "1")
  int fold_after_s() default 120;

  @AttributeDefinition(
      name = "Fold interval (s)",
      description = "How often folded counts are published.",
      min = "1")
  int fold_interval_s() default 60;

  @AttributeDefinition(name = "Outbox file", description = "The SQLite database of the outbox.")
  String outbox_path() default "var/uplink/outbox.db";

  @AttributeDefinition(
      name = "Outbox size (bytes)",
      description =
          "Bound of the stored messages; when full the lowest priority is dropped, oldest first.",
      min = "4096")
  long outbox_max_bytes() default 64L << 20;

  @AttributeDefinition(
      name = "Memory for unstored messages (bytes)",
      description =
          "Most bytes of messages held in memory while the outbox cannot be written (a full disk); beyond it a message below alarm is dropped and counted, and an alarm takes the place of the lowest priority waiting.",
      min = "65536")
  long intake_max_bytes() default 32L << 20;

  @AttributeDefinition(
      name = "Largest message (bytes)",
      description = "A message whose payload is larger is refused, naming its topic and size.",
      min = "256")
  int max_message_bytes() default 64 * 1024;

  @AttributeDefinition(
      name = "Drain on stop (s)",
      description =
          "How long a clean stop waits for the outbox to empty before it sends the disconnect certificate.",
      min = "0")
  int drain_on_stop_s() default 5;

  @AttributeDefinition(
      name = "Display name",
      description = "BIRTH display_name; empty: the client id.",
      required = false)
  String display_name() default "";

  @AttributeDefinition(
      name = "Site",
      description =
          "BIRTH site: where the device stands (e.g. a border post or a junction), for the fleet health census's totals per site; empty: not sent.",
      required = false)
  String site() default "";

  @AttributeDefinition(
      name = "Region",
      description =
          "BIRTH region: the region the site belongs to, for the fleet health census's totals per region; empty: not sent.",
      required = false)
  String region() default "";

  @AttributeDefinition(name = "Model name", description = "BIRTH model_name.")
  String model_name() default "Watchpost camera unit";

  @AttributeDefinition(
      name = "Serial number",
      description =
          "BIRTH serial_number; empty: an id derived from /etc/machine-id as systemd's app-specific ids are (the machine id itself is never sent), else the host name.",
      required = false)
  String serial_number() default "";

  @AttributeDefinition(name = "Firmware version", description = "BIRTH firmware_version.")
  String firmware_version() default "0.1.0";

  @AttributeDefinition(
      name = "Application ids",
      description =
          "BIRTH application_ids: the request handlers this device answers, comma separated.",
      required = false)
  String application_ids() default "";

  @AttributeDefinition(
      name = "Largest request (bytes)",
      description =
          "A remote request with a larger payload is dropped and counted before it is queued or decoded.",
      min = "1024")
  int request_max_bytes() default 4 << 20;

  @AttributeDefinition(
      name = "Request queue (bytes)",
      description =
          "Most payload bytes of requests waiting for their handler; more are dropped and counted. At least one largest request.",
      min = "1024")
  long request_queue_bytes() default 16L << 20;

  @AttributeDefinition(
      name = "Requests to _all per minute",
      description =
          "Requests addressed to every device of the account taken per minute (a burst of that many at once); the rest are dropped and counted.",
      min = "1")
  int requests_all_per_minute() default 30;

  @AttributeDefinition(
      name = "Largest inbound packet (bytes)",
      description =
          "MQTT 5 Maximum Packet Size announced on connect, so the broker never sends this device anything larger; 0: the largest request plus 8 KiB for topic and properties.",
      min = "0")
  int inbound_max_packet_bytes() default 0;

  @AttributeDefinition(
      name = "Broker's largest packet (bytes)",
      description =
          "The broker's maximum packet size, for MQTT 3.1.1 where the broker cannot say it (MQTT 5 brokers say it on connect; the smaller applies): a batch over it is sent message by message, a single message over it is quarantined instead of ending the connection on every attempt; 0: as the broker says, else MQTT's limit.",
      min = "0")
  long broker_max_packet_bytes() default 0;

  @AttributeDefinition(
      name = "Event box",
      description = "Send each event's normalised box (adds about 30 bytes per event).")
  boolean include_box() default false;

  @AttributeDefinition(
      name = "Event payload profile",
      description =
          "compact: one-letter metric names, integer codes for types and directions, times as deltas from the payload timestamp (about 40 B less per event; EventMetrics in the codec package reads both); verbose: the long names and text values, for systems that key on them.",
      options = {
        @Option(value = "compact", label = "Compact"),
        @Option(value = "verbose", label = "Verbose")
      })
  String payload_profile() default "compact";

  @AttributeDefinition(
      name = "Full health report every",
      description =
          "Health reports send only what changed since the last one (delta=k, gone=names that disappeared); every this many reports of a subject, and after a HEALTH-V1/GET/full request, the report is full (full=true). 1: every report full.",
      min = "1")
  int health_full_every() default 10;

  @AttributeDefinition(
      name = "Downlink budget (bit/s)",
      description =
          "Rate of what the device asks to be sent to it (replies it expects, such as model chunks): a request waits until the replies asked before it would have crossed a link at this rate within the reply window (2 s until a reply's round trip is measured, then twice the bandwidth-delay product in whole replies, at most 12 s), and for room beside what arrived unasked in the last 10 s; a reply is charged once, when asked for. -1: the same as the uplink budget (a symmetric link); 0: no cap.",
      min = "-1")
  long downlink_budget_bits_per_s() default -1;
}
