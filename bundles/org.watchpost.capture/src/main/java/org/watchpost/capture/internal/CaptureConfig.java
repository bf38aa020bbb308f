package org.watchpost.capture.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
    id = CaptureConfig.PID,
    name = "Watchpost capture",
    description = "How camera sources are opened and reopened after a loss.")
public @interface CaptureConfig {
  String PID = "org.watchpost.capture";

  @AttributeDefinition(name = "First reconnect delay (ms)",
      description = "Wait before the first attempt to reopen a lost source; doubles on every failed attempt.", min = "10")
  long reconnect_initial_ms() default 500;

  @AttributeDefinition(name = "Longest reconnect delay (ms)", description = "Upper bound of the backoff.", min = "10")
  long reconnect_max_ms() default 30_000;

  @AttributeDefinition(name = "Reconnect jitter", description = "Random share (0..1) added to or taken from each delay, so that many cameras do not reconnect in step.", min = "0", max = "1")
  double reconnect_jitter() default 0.2;

  @AttributeDefinition(name = "ffmpeg", description = "The ffmpeg executable used for RTSP, HTTP and non-MJPEG files.")
  String ffmpeg_path() default "ffmpeg";

  @AttributeDefinition(name = "ffprobe", description = "The ffprobe executable used to learn a stream's size and rate.")
  String ffprobe_path() default "ffprobe";

  @AttributeDefinition(name = "Probe timeout (s)", description = "How long ffprobe may take to read a stream's header.", min = "1")
  int probe_timeout_s() default 15;

  @AttributeDefinition(name = "Pooled frame buffers per camera", description = "Frame buffers kept for reuse; more only cost memory.", min = "2")
  int frame_pool_size() default 4;
}
