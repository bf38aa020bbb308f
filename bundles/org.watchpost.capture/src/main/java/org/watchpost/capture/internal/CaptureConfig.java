// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
    id = CaptureConfig.PID,
    name = "Watchpost capture",
    description = "How camera sources are opened and reopened after a loss.")
public @interface CaptureConfig {
  String PID = "org.watchpost.capture";

  @AttributeDefinition(
      name = "First reconnect delay (ms)",
      description =
          "Wait before the first attempt to reopen a lost source; doubles on every failed attempt.",
      min = "10")
  long reconnect_initial_ms() default 500;

  @AttributeDefinition(
      name = "Longest reconnect delay (ms)",
      description = "Upper bound of the backoff.",
      min = "10")
  long reconnect_max_ms() default 30_000;

  @AttributeDefinition(
      name = "Reconnect jitter",
      description =
          "Random share (0..1) added to or taken from each delay, so that many cameras do not reconnect in step.",
      min = "0",
      max = "1")
  double reconnect_jitter() default 0.2;

  @AttributeDefinition(
      name = "ffmpeg",
      description = "The ffmpeg executable used for RTSP, HTTP and non-MJPEG files.")
  String ffmpeg_path() default "ffmpeg";

  @AttributeDefinition(
      name = "ffprobe",
      description = "The ffprobe executable used to learn a stream's size and rate.")
  String ffprobe_path() default "ffprobe";

  @AttributeDefinition(
      name = "Probe timeout (s)",
      description = "How long ffprobe may take to read a stream's header.",
      min = "1")
  int probe_timeout_s() default 15;

  @AttributeDefinition(
      name = "Pooled frame buffers per camera",
      description = "Frame buffers kept for reuse; more only cost memory.",
      min = "2")
  int frame_pool_size() default 4;

  @AttributeDefinition(
      name = "Network I/O timeout (s)",
      description =
          "A network read or connect that makes no progress for this long fails inside ffmpeg and ffprobe (RTSP: "
              + "-timeout; HTTP, RTMP, TCP, UDP, SRT: -rw_timeout). Keep it longer than the stall timeout: ffmpeg 5.1 "
              + "answers an RTSP timeout by emitting one more frame and waiting again, a trickle that would keep a "
              + "shorter stall watchdog from firing; the watchdog acts first, ffmpeg's timeout is the fallback.",
      min = "1")
  int io_timeout_s() default 15;

  @AttributeDefinition(
      name = "Stall timeout (s)",
      description =
          "A live source that delivers no frame for this long while being read is torn down (its ffmpeg process "
              + "killed) and reopened with backoff, whatever ffmpeg's own timeouts did.",
      min = "1")
  int stall_timeout_s() default 10;

  @AttributeDefinition(
      name = "RTSP transport",
      description =
          "How RTP is carried for rtsp:// sources: tcp (interleaved, "
              + "passes firewalls and NAT, no loss) or udp.",
      options = {
        @org.osgi.service.metatype.annotations.Option(label = "TCP", value = "tcp"),
        @org.osgi.service.metatype.annotations.Option(label = "UDP", value = "udp")
      })
  String rtsp_transport() default "tcp";

  @AttributeDefinition(
      name = "Largest frame width",
      description =
          "A source whose frames are wider is refused before " + "any frame buffer is allocated.",
      min = "16")
  int max_frame_width() default 4096;

  @AttributeDefinition(
      name = "Largest frame height",
      description =
          "A source whose frames are taller is refused before " + "any frame buffer is allocated.",
      min = "16")
  int max_frame_height() default 4096;

  @AttributeDefinition(
      name = "Largest frame (pixels)",
      description =
          "A source whose frames have more pixels is "
              + "refused before any frame buffer is allocated (3 bytes a pixel, times the pooled buffers).",
      min = "256")
  long max_frame_pixels() default 4096L * 4096L;

  @AttributeDefinition(
      name = "Decode colour only when asked",
      description =
          "Frames come with a grey image made cheaply (a Motion-JPEG frame decoded at a reduced scale, the "
              + "luma of a YUV frame), which motion and camera health look at; the full colour frame is decoded only when "
              + "the detector, an event crop or the live view asks for it. Off: every frame is decoded to colour, as "
              + "before (ffmpeg converts to BGR; Motion-JPEG AVI files are read by OpenCV).")
  boolean deferred_decode() default true;

  @AttributeDefinition(
      name = "Grey image width at least",
      description =
          "The grey image is the frame reduced by 2, 4 "
              + "or 8 as long as it stays at least this wide (camera health measures at 384 pixels wide, motion at 192).",
      min = "32")
  int grey_min_width() default 384;
}
