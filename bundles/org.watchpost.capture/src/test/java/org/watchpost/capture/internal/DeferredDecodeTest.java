// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;

/**
 * Deferred decoding: motion and health frames as a cheap grey image, the colour frame only when
 * asked for, and then the same frame the detector got before.
 */
class DeferredDecodeTest {
  private static final int STILL_FRAMES = 30;
  private static Path stillH264;
  private static Path stillMjpeg;

  private final CaptureComponent deferring =
      new CaptureComponent(Configs.defaults(CaptureConfig.class));
  private final CaptureComponent eager =
      new CaptureComponent(Configs.with(CaptureConfig.class, Map.of("deferred_decode", false)));

  /** Still clips made from one vtest frame, as a camera on an empty scene sends them. */
  @BeforeAll
  static void makeStillClips() throws Exception {
    Path dir = SharedData.scratchDirectory("still");
    Path frame = dir.resolve("frame.png");
    ffmpeg("-ss", "5", "-i", SharedData.vtestDivx().toString(), "-frames:v", "1", frame.toString());
    stillH264 = dir.resolve("still.mp4");
    ffmpeg(
        "-loop",
        "1",
        "-framerate",
        "10",
        "-i",
        frame.toString(),
        "-frames:v",
        Integer.toString(STILL_FRAMES),
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "20",
        stillH264.toString());
    stillMjpeg = dir.resolve("still-mjpeg.avi");
    ffmpeg(
        "-loop",
        "1",
        "-framerate",
        "10",
        "-i",
        frame.toString(),
        "-frames:v",
        Integer.toString(STILL_FRAMES),
        "-c:v",
        "mjpeg",
        "-q:v",
        "6",
        "-pix_fmt",
        "yuvj420p",
        stillMjpeg.toString());
  }

  @Test
  @Timeout(60)
  void aStillH264ClipGivesReducedGreyFramesWithoutDecodingColour() throws Exception {
    readsStillWithoutColour(stillH264, "ffmpeg-yuv");
  }

  @Test
  @Timeout(60)
  void aStillMotionJpegClipGivesReducedGreyFramesWithoutDecodingColour() throws Exception {
    readsStillWithoutColour(stillMjpeg, "ffmpeg-mjpeg");
  }

  private void readsStillWithoutColour(Path clip, String backend) throws Exception {
    FrameSource source = deferring.open(new SourceSpec("cam", clip.toString(), false, false));
    int frames = 0;
    Frame frame;
    while ((frame = source.read()) != null) {
      try {
        if (frames == 0) {
          assertTrue(
              source.status().detail().startsWith(backend + " 768x576"), source.status().detail());
        }
        assertEquals(768, frame.width());
        Frame.Grey grey = frame.grey();
        assertNotNull(grey, "a deferred frame has its grey image");
        assertEquals(384, grey.width(), "halved: the largest reduction that keeps it 384 wide");
        assertEquals(288, grey.height());
        assertFalse(frame.isDecoded(), "nothing asked for colour, so none was decoded");
        frames++;
      } finally {
        frame.close();
      }
    }
    source.close();
    assertEquals(STILL_FRAMES, frames);
  }

  @Test
  @Timeout(120)
  void motionJpegColourOnDemandIsExactlyWhatOpenCvsReaderGave() throws Exception {
    List<Frame> before = frames(eager, SharedData.vtestMjpeg(), 15);
    List<Frame> after = frames(deferring, SharedData.vtestMjpeg(), 15);
    try {
      for (int i = 0; i < before.size(); i++) {
        assertFalse(after.get(i).isDecoded());
        assertEquals(
            before.get(i).pixels(),
            after.get(i).pixels(),
            "frame " + i + ": the detector sees the same pixels");
        assertTrue(after.get(i).isDecoded());
        assertTrue(
            greyDifference(after.get(i)) < 2, "frame " + i + " grey is the colour frame's grey");
      }
    } finally {
      before.forEach(Frame::close);
      after.forEach(Frame::close);
    }
  }

  @Test
  @Timeout(120)
  void h264ColourOnDemandIsFfmpegsFrameToALevel() throws Exception {
    List<Frame> before = frames(eager, SharedData.vtestH264(), 15);
    List<Frame> after = frames(deferring, SharedData.vtestH264(), 15);
    try {
      for (int i = 0; i < before.size(); i++) {
        double difference = meanAbsoluteDifference(before.get(i).pixels(), after.get(i).pixels());
        System.out.printf(
            Locale.ROOT,
            "deferred-decode: h264 frame %d: mean |BGR difference| %.3f levels, grey %.3f%n",
            i,
            difference,
            greyDifference(after.get(i)));
        // OpenCV's BT.601 conversion of the same YUV frame instead of swscale's: rounding, not
        // picture.
        assertTrue(difference < 1.5, "frame " + i + ": " + difference);
        assertTrue(
            greyDifference(after.get(i)) < 2, "frame " + i + " grey is the colour frame's grey");
      }
    } finally {
      before.forEach(Frame::close);
      after.forEach(Frame::close);
    }
  }

  @Test
  void theGreyImageIsTheLargestReductionThatKeepsItsWidth() {
    assertEquals(2, FfmpegVideoStream.greyScale(768, 576, 384));
    assertEquals(4, FfmpegVideoStream.greyScale(1920, 1080, 384));
    assertEquals(8, FfmpegVideoStream.greyScale(3840, 2160, 384));
    assertEquals(1, FfmpegVideoStream.greyScale(640, 480, 384));
    assertEquals(1, FfmpegVideoStream.greyScale(768, 576, 400));
  }

  private static List<Frame> frames(CaptureComponent capture, Path clip, int count)
      throws Exception {
    FrameSource source = capture.open(new SourceSpec("cam", clip.toString(), false, false));
    List<Frame> frames = new ArrayList<>();
    try {
      Frame frame;
      while (frames.size() < count && (frame = source.read()) != null) {
        frames.add(frame);
      }
    } finally {
      source.close();
    }
    assertEquals(count, frames.size());
    return frames;
  }

  /**
   * Mean absolute difference of the grey image and the colour frame's grey at the grey image's
   * size.
   */
  private static double greyDifference(Frame frame) {
    Frame.Grey grey = frame.grey();
    Mat bgr = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
    Mat fromColour = new Mat();
    Mat small = new Mat();
    Mat own = new Mat(grey.height(), grey.width(), CvType.CV_8UC1, grey.pixels());
    Mat difference = new Mat();
    try {
      Imgproc.cvtColor(bgr, fromColour, Imgproc.COLOR_BGR2GRAY);
      Imgproc.resize(
          fromColour, small, new Size(grey.width(), grey.height()), 0, 0, Imgproc.INTER_AREA);
      Core.absdiff(small, own, difference);
      return Core.mean(difference).val[0];
    } finally {
      for (Mat m : new Mat[] {bgr, fromColour, small, own, difference}) {
        m.release();
      }
    }
  }

  private static double meanAbsoluteDifference(ByteBuffer a, ByteBuffer b) {
    assertEquals(a.remaining(), b.remaining());
    long sum = 0;
    int n = a.remaining();
    for (int i = 0; i < n; i++) {
      sum += Math.abs((a.get(i) & 0xff) - (b.get(i) & 0xff));
    }
    return (double) sum / n;
  }

  private static void ffmpeg(String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y"));
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + output);
  }
}
