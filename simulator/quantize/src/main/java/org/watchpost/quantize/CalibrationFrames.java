// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.opencv.core.Mat;
import org.opencv.imgcodecs.Imgcodecs;

/**
 * The frames a model is calibrated on: images in a directory, or frames taken evenly from a video
 * by ffmpeg (every video the device can read, H.264 included). Calibrate on what the camera will
 * see.
 */
public final class CalibrationFrames {
  static final List<String> IMAGE_SUFFIXES = List.of(".jpg", ".jpeg", ".png", ".bmp");

  /** Longest ffmpeg may take to pull the frames out of one video. */
  static final long FFMPEG_TIMEOUT_S = 300;

  private CalibrationFrames() {}

  /**
   * Image files for the given sources, at most {@code limit}, spread evenly over each source.
   *
   * @param scratch where frames extracted from videos are written
   */
  public static List<Path> collect(List<Path> sources, int limit, Path scratch)
      throws QuantizeException {
    if (sources.isEmpty()) {
      throw new QuantizeException("no calibration source given");
    }
    int perSource = Math.max(1, limit / sources.size());
    List<Path> images = new ArrayList<>();
    int n = 0;
    for (Path source : sources) {
      if (Files.isDirectory(source)) {
        images.addAll(spread(imagesIn(source), perSource));
      } else if (Files.isRegularFile(source)) {
        images.addAll(fromVideo(source, perSource, scratch.resolve("video-" + n++)));
      } else {
        throw new QuantizeException(
            "calibration source " + source + " is neither a directory of images nor a video file");
      }
    }
    if (images.isEmpty()) {
      throw new QuantizeException("no calibration frames found in " + sources);
    }
    return images.size() > limit ? images.subList(0, limit) : images;
  }

  static List<Path> imagesIn(Path dir) throws QuantizeException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(
              p ->
                  IMAGE_SUFFIXES.stream()
                      .anyMatch(
                          s -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(s)))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new QuantizeException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static List<Path> spread(List<Path> all, int count) {
    if (all.size() <= count) {
      return all;
    }
    List<Path> chosen = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      chosen.add(all.get((int) ((long) i * all.size() / count)));
    }
    return chosen;
  }

  /** Decodes the whole video once to small JPEG files, then keeps {@code count} spread over it. */
  private static List<Path> fromVideo(Path video, int count, Path dir) throws QuantizeException {
    try {
      Files.createDirectories(dir);
      try (Stream<Path> old = Files.list(dir)) {
        for (Path p : old.toList()) {
          Files.delete(p);
        }
      }
      Process ffmpeg =
          new ProcessBuilder(
                  "ffmpeg",
                  "-nostdin",
                  "-v",
                  "error",
                  "-i",
                  video.toString(),
                  "-q:v",
                  "2",
                  dir.resolve("%06d.jpg").toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!ffmpeg.waitFor(FFMPEG_TIMEOUT_S, TimeUnit.SECONDS)) {
        ffmpeg.destroyForcibly();
        throw new QuantizeException(
            "ffmpeg took longer than " + FFMPEG_TIMEOUT_S + " s to decode " + video);
      }
      if (ffmpeg.exitValue() != 0) {
        throw new QuantizeException(
            "ffmpeg could not decode " + video + " (exit " + ffmpeg.exitValue() + ")");
      }
    } catch (IOException e) {
      throw new QuantizeException("cannot run ffmpeg on " + video + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QuantizeException("interrupted while decoding " + video);
    }
    return spread(imagesIn(dir), count);
  }

  /** Reads an image as 8-bit BGR; an unreadable file is an error, not a silent skip. */
  static Mat read(Path image) throws QuantizeException {
    Mat mat = Imgcodecs.imread(image.toString(), Imgcodecs.IMREAD_COLOR);
    if (mat.empty()) {
      mat.release();
      throw new QuantizeException("cannot decode calibration image " + image);
    }
    return mat;
  }
}
