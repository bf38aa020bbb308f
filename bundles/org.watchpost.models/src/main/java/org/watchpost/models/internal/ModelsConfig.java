// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
    id = ModelsConfig.PID,
    name = "Watchpost model updates",
    description =
        "Signed model packages received over MQTT or HTTPS: verified, validated, activated between two frames, watched in probation and rolled back on failure.")
public @interface ModelsConfig {
  String PID = "org.watchpost.models";

  @AttributeDefinition(
      name = "State directory",
      description = "The two slots, the pointer file, transfers in progress.")
  String state_dir() default "var/models";

  @AttributeDefinition(
      name = "Trusted keys",
      description =
          "Directory of the Ed25519 public keys (*.pub, PEM) whose signatures the device accepts.")
  String trusted_keys_dir() default "models/keys";

  @AttributeDefinition(
      name = "Platform",
      description =
          "This device's platform as packages name it; empty: from the JVM (linux-x86_64, linux-aarch64, linux-armv7).",
      required = false)
  String platform() default "";

  @AttributeDefinition(
      name = "Runtime version",
      description = "Compared with a package's min_runtime.")
  String runtime_version() default "0.1.0";

  @AttributeDefinition(name = "Largest package (bytes)", min = "1024")
  long max_package_bytes() default 64L << 20;

  @AttributeDefinition(name = "Largest unpacked package (bytes)", min = "1024")
  long max_unpacked_bytes() default 128L << 20;

  @AttributeDefinition(
      name = "Stored frames",
      description =
          "Directory of JPEG frames from this device's own cameras, used for validation when a package has no golden frames; empty: none.",
      required = false)
  String validation_frames_dir() default "";

  @AttributeDefinition(
      name = "Validation runs",
      description =
          "Inferences per frame, candidate and active model alternately, for the latency comparison.",
      min = "1",
      max = "20")
  int validation_runs() default 3;

  @AttributeDefinition(
      name = "Latency factor",
      description =
          "The candidate's median time per frame may be at most this many times the active model's.",
      min = "1")
  double latency_factor() default 1.5;

  @AttributeDefinition(
      name = "Rows over threshold",
      description =
          "Largest share of output rows that may reach the score threshold on one frame; garbage outputs fire everywhere.",
      min = "0",
      max = "1")
  double max_rows_over_threshold() default 0.25;

  @AttributeDefinition(
      name = "Probation (s)",
      description = "How long a newly active model is watched before it is kept.",
      min = "1")
  int probation_s() default 600;

  @AttributeDefinition(
      name = "Probation error rate",
      description = "Share of failed detector calls that rolls the model back.",
      min = "0",
      max = "1")
  double probation_max_error_rate() default 0.05;

  @AttributeDefinition(
      name = "Probation calls",
      description = "Calls needed before error rate and latency are judged.",
      min = "1")
  int probation_min_calls() default 20;

  @AttributeDefinition(
      name = "Restarts in probation",
      description =
          "Device restarts tolerated while a model is in probation; one more rolls it back.",
      min = "0")
  int probation_max_restarts() default 1;

  @AttributeDefinition(
      name = "Chunk size (bytes)",
      description =
          "Bytes asked for at once in an MQTT transfer; each costs about this much of the link budget.",
      min = "256",
      max = "262144")
  int chunk_bytes() default 2048;

  @AttributeDefinition(
      name = "Chunks in flight",
      description =
          "The fewest chunk requests outstanding at once; the transfer measures the link's bandwidth and round trip and keeps up to 16 outstanding when they ask for more.",
      min = "1",
      max = "16")
  int chunks_in_flight() default 2;

  @AttributeDefinition(
      name = "Chunk timeout (s)",
      description = "A chunk not received after this long is asked for again.",
      min = "1")
  int chunk_timeout_s() default 60;

  @AttributeDefinition(
      name = "HTTPS CA file",
      description = "PEM of the CAs that sign package servers; empty: the JVM's defaults.",
      required = false)
  String https_ca_file() default "";

  @AttributeDefinition(name = "HTTPS timeout (s)", min = "1")
  int https_timeout_s() default 30;

  @AttributeDefinition(
      name = "Transfer attempts",
      description =
          "Attempts of one HTTPS download before it is reported failed; each resumes where the last stopped.",
      min = "1")
  int transfer_attempts() default 5;

  @AttributeDefinition(
      name = "Transfer deadline (s)",
      description =
          "A transfer (MQTT or HTTPS, all attempts, across restarts) not finished this long after it started is abandoned, so that another package can come.",
      min = "1")
  int transfer_deadline_s() default 86_400;

  @AttributeDefinition(
      name = "HTTPS minimum rate (bytes/s)",
      description =
          "A download slower than this over the rate window is cut and resumed (a server that trickles a byte now and then).",
      min = "1")
  int https_min_bytes_per_s() default 1024;

  @AttributeDefinition(
      name = "HTTPS rate window (s)",
      description = "The window over which the minimum rate is measured.",
      min = "1")
  int https_rate_window_s() default 30;

  @AttributeDefinition(
      name = "HTTPS downlink budget (bits/s)",
      description =
          "Pace of HTTPS downloads (token bucket, one second of burst); 0: not paced. Set it with the uplink's budget on a metered link.",
      min = "0")
  long https_downlink_bits_per_s() default 0;

  @AttributeDefinition(
      name = "HTTPS hosts allowed inside",
      description =
          "Comma-separated host names or addresses a package URL may name although they resolve to a loopback, link-local, private, shared or multicast address (a package server on the site's own network); empty: none.",
      required = false)
  String https_allowed_hosts() default "";

  @AttributeDefinition(
      name = "Console keys",
      description =
          "Directory of the Ed25519 public keys (*.pub, PEM) of the consoles whose signed commands (PUT package, EXEC) the device accepts; kept apart from the model-signing keys.")
  String console_keys_dir() default "models/console-keys";

  @AttributeDefinition(
      name = "Command clock skew (s)",
      description =
          "How far the device's clock may be from the console's when a signed command's validity window is checked.",
      min = "0")
  int command_clock_skew_s() default 300;

  @AttributeDefinition(
      name = "Command lifetime (s)",
      description = "Longest validity window a signed command may carry.",
      min = "1")
  int command_max_lifetime_s() default 86_400;

  @AttributeDefinition(
      name = "Rollback token lifetime (s)",
      description =
          "Longest validity window of a signed rollback (EXEC rollback, or a PUT package below the version floor); it must also name this device, not _all.",
      min = "1")
  int rollback_token_max_s() default 3_600;

  @AttributeDefinition(
      name = "Remembered nonces",
      description =
          "Nonces of accepted commands kept (on disk) until their command expires, to refuse replays; when full, new commands are refused until some expire.",
      min = "16")
  int command_nonces_max() default 4096;

  @AttributeDefinition(
      name = "Work queue",
      description =
          "Requests and chunks waiting for the model manager; beyond it they are dropped, counted and, for requests, answered 503.",
      min = "8")
  int work_queue() default 256;
}
