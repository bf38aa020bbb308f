package org.watchpost.models.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = ModelsConfig.PID, name = "Watchpost model updates",
    description = "Signed model packages received over MQTT or HTTPS: verified, validated, activated between two frames, watched in probation and rolled back on failure.")
public @interface ModelsConfig {
  String PID = "org.watchpost.models";

  @AttributeDefinition(name = "State directory", description = "The two slots, the pointer file, transfers in progress.")
  String state_dir() default "var/models";

  @AttributeDefinition(name = "Trusted keys", description = "Directory of the Ed25519 public keys (*.pub, PEM) whose signatures the device accepts.")
  String trusted_keys_dir() default "models/keys";

  @AttributeDefinition(name = "Platform", description = "This device's platform as packages name it; empty: from the JVM (linux-x86_64, linux-aarch64, linux-armv7).")
  String platform() default "";

  @AttributeDefinition(name = "Runtime version", description = "Compared with a package's min_runtime.")
  String runtime_version() default "0.1.0";

  @AttributeDefinition(name = "Largest package (bytes)", min = "1024")
  long max_package_bytes() default 64L << 20;

  @AttributeDefinition(name = "Largest unpacked package (bytes)", min = "1024")
  long max_unpacked_bytes() default 128L << 20;

  @AttributeDefinition(name = "Stored frames", description = "Directory of JPEG frames from this device's own cameras, used for validation when a package has no golden frames; empty: none.")
  String validation_frames_dir() default "";

  @AttributeDefinition(name = "Validation runs", description = "Inferences per frame, candidate and active model alternately, for the latency comparison.", min = "1", max = "20")
  int validation_runs() default 3;

  @AttributeDefinition(name = "Latency factor", description = "The candidate's median time per frame may be at most this many times the active model's.", min = "1")
  double latency_factor() default 1.5;

  @AttributeDefinition(name = "Rows over threshold", description = "Largest share of output rows that may reach the score threshold on one frame; garbage outputs fire everywhere.", min = "0", max = "1")
  double max_rows_over_threshold() default 0.25;

  @AttributeDefinition(name = "Probation (s)", description = "How long a newly active model is watched before it is kept.", min = "1")
  int probation_s() default 600;

  @AttributeDefinition(name = "Probation error rate", description = "Share of failed detector calls that rolls the model back.", min = "0", max = "1")
  double probation_max_error_rate() default 0.05;

  @AttributeDefinition(name = "Probation calls", description = "Calls needed before error rate and latency are judged.", min = "1")
  int probation_min_calls() default 20;

  @AttributeDefinition(name = "Restarts in probation", description = "Device restarts tolerated while a model is in probation; one more rolls it back.", min = "0")
  int probation_max_restarts() default 1;

  @AttributeDefinition(name = "Chunk size (bytes)", description = "Bytes asked for at once in an MQTT transfer; each costs about this much of the link budget.", min = "256", max = "262144")
  int chunk_bytes() default 2048;

  @AttributeDefinition(name = "Chunks in flight", description = "Chunk requests outstanding at once.", min = "1", max = "16")
  int chunks_in_flight() default 2;

  @AttributeDefinition(name = "Chunk timeout (s)", description = "A chunk not received after this long is asked for again.", min = "1")
  int chunk_timeout_s() default 60;

  @AttributeDefinition(name = "HTTPS CA file", description = "PEM of the CAs that sign package servers; empty: the JVM's defaults.")
  String https_ca_file() default "";

  @AttributeDefinition(name = "HTTPS timeout (s)", min = "1")
  int https_timeout_s() default 30;

  @AttributeDefinition(name = "Transfer attempts", description = "Attempts of one HTTPS download before it is reported failed; each resumes where the last stopped.", min = "1")
  int transfer_attempts() default 5;
}
