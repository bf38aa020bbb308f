// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(
    id = CameraConfig.PID,
    name = "Watchpost camera",
    description =
        "One camera: where its frames come from and how its pipeline runs. One configuration per camera (factory PID).")
public @interface CameraConfig {
  String PID = "org.watchpost.camera";

  @AttributeDefinition(
      name = "Camera id",
      description = "Names the camera in every event, health report and topic.")
  String camera_id();

  @AttributeDefinition(
      name = "Source",
      description =
          "A file path, /dev/videoN or v4l2:N (V4L2), rtsp://..., http(s)://... (Motion-JPEG or anything ffmpeg opens).")
  String source();

  @AttributeDefinition(
      name = "Hand-off",
      description =
          "newest_wins for live cameras (real time over completeness); every_frame for recordings, tests and benchmarks.",
      options = {
        @Option(value = "newest_wins", label = "Newest frame wins"),
        @Option(value = "every_frame", label = "Every frame")
      })
  String feed_mode() default "newest_wins";

  @AttributeDefinition(
      name = "Real-time file playback",
      description = "Deliver a file at its own frame rate, as a live camera would.")
  boolean realtime() default false;

  @AttributeDefinition(name = "Loop file", description = "Start a file again at its end.")
  boolean loop() default false;

  @AttributeDefinition(
      name = "Frame limit",
      description = "Stop after this many frames; 0 for no limit.",
      min = "0")
  long max_frames() default 0;

  @AttributeDefinition(
      name = "Time limit",
      description =
          "Stop after this many seconds of capture time from the first frame (simulated cameras); 0 for no limit.",
      min = "0")
  double max_seconds() default 0;

  @AttributeDefinition(
      name = "Injected faults",
      description =
          "Test and simulation only: faults played into this camera's frames, e.g. 'black@30-45, blur:4@60-75' (seconds of stream time). Empty on a real device.",
      required = false)
  String faults() default "";

  @AttributeDefinition(
      name = "Restart delay",
      description =
          "After the pipeline fails (an unexpected exception or error in a stage), seconds before the first restart; it doubles with each further failure.")
  double restart_delay_s() default 1;

  @AttributeDefinition(
      name = "Longest restart delay",
      description = "The restart delay grows up to this many seconds and stays there.")
  double restart_max_delay_s() default 60;

  @AttributeDefinition(
      name = "Restart backoff reset",
      description =
          "A run that lasted this many seconds before it failed starts the restart delays afresh.",
      min = "0")
  double restart_reset_after_s() default 300;

  @AttributeDefinition(
      name = "Print detections",
      description = "Print each frame's detections to standard output (demo and vendor bring-up).")
  boolean print_detections() default false;

  @AttributeDefinition(
      name = "Summary file",
      description =
          "Where to write the run summary (JSON) when a finite source ends; empty for none.",
      required = false)
  String summary_file() default "";

  @AttributeDefinition(
      name = "Stop the runtime at the end",
      description = "Shut the framework down when a finite source ends (./watchpost demo).")
  boolean exit_when_done() default false;
}
