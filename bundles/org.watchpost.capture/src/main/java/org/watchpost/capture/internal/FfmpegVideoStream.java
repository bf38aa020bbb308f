// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.SourceUris;

/**
 * An ffmpeg child process decoding any source it can open (RTSP, HTTP, H.264, DivX...) and writing
 * raw frames to a pipe: the way the most used open-source camera analytics systems decode, and it
 * restarts cleanly.
 *
 * <p>With deferred decoding ({@code deferred.decode}, the default) a frame's colour is made only
 * when asked for: ffmpeg writes the decoder's own YUV 4:2:0 (no conversion in ffmpeg, half the
 * bytes of BGR), the grey image is the luma plane reduced, and the BGR pixels are OpenCV's
 * conversion of the YUV frame on demand. A Motion-JPEG stream is not decoded by ffmpeg at all: it
 * copies the JPEG frames out ({@code -c:v copy -f mpjpeg}), the grey image is the JPEG decoded at a
 * half, quarter or eighth scale (libjpeg's scaled decoding skips most of the inverse DCT), and the
 * colour frame is the JPEG decoded in full, as OpenCV's own Motion-JPEG reader decodes it.
 */
final class FfmpegVideoStream implements VideoStream {
  private static final Logger LOG = LoggerFactory.getLogger(FfmpegVideoStream.class);

  /** ffprobe prints one short line; more than this is not a stream header. */
  private static final int MAX_PROBE_OUTPUT_BYTES = 4096;

  private static final int STDERR_LINES_KEPT = 20;

  /** What a Linux pipe holds by default. */
  private static final int PIPE_BYTES = 64 * 1024;

  /** A JPEG frame larger than its pixels in BGR plus this is no JPEG of that size. */
  private static final int JPEG_SLACK_BYTES = 64 * 1024;

  /** Corrupt JPEG frames in a row after which the stream is taken as broken and reopened. */
  private static final int MAX_CORRUPT_FRAMES_IN_A_ROW = 50;

  /** What ffmpeg writes to the pipe. */
  enum Output {
    /** Decoded and converted to BGR24 by ffmpeg. */
    BGR,
    /** Decoded to YUV 4:2:0; grey from the luma, BGR by OpenCV on demand. */
    YUV420,
    /** Motion-JPEG frames copied, not decoded. */
    JPEG
  }

  private final Process process;
  private final InputStream frames;

  /**
   * Raw frames are read through this in pipe-sized pieces: a channel over the process's stream
   * reads 8 KB per system call, 80 calls for one 768x576 YUV frame; a pipe holds 64 KB, so a read
   * never returns more.
   */
  private final byte[] chunk;

  private final StreamInfo info;
  private final String uri;

  /** The URI as it may be shown. */
  private final String shown;

  private final ArrayDeque<String> stderrTail = new ArrayDeque<>();
  private final Output output;

  /** Reduction of the grey image: 1, 2, 4 or 8. */
  private final int greyScale;

  private final int greyWidth;
  private final int greyHeight;
  private final FramePool rawPool;
  private final FramePool greyPool;
  private final FramePool bgrPool;
  private final MultipartJpegReader jpegs;

  /** Scratch for the reduced luma plane; null where OpenCV is not needed (ffmpeg's BGR). */
  private final Mat reducedLuma;

  private int corruptInARow;

  private FfmpegVideoStream(
      Process process, StreamInfo info, String uri, Output output, CaptureConfig config) {
    this.process = process;
    this.output = output;
    if (output != Output.BGR) {
      org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
    }
    this.reducedLuma = output == Output.YUV420 ? new Mat() : null;
    if (output == Output.JPEG) {
      this.frames = null;
      this.chunk = null;
      this.jpegs =
          new MultipartJpegReader(
              new BufferedInputStream(process.getInputStream(), 64 * 1024),
              info.frameBytes() + JPEG_SLACK_BYTES);
    } else {
      this.frames = process.getInputStream();
      this.chunk = new byte[PIPE_BYTES];
      this.jpegs = null;
    }
    this.greyScale = greyScale(info.width(), info.height(), config.grey_min_width());
    // libjpeg's scaled output rounds up; the luma is resized to the same size.
    this.greyWidth = (info.width() + greyScale - 1) / greyScale;
    this.greyHeight = (info.height() + greyScale - 1) / greyScale;
    int pooled = Math.max(2, config.frame_pool_size());
    this.rawPool = new FramePool(pooled);
    this.greyPool = new FramePool(pooled);
    this.bgrPool = new FramePool(pooled);
    this.info = info;
    this.uri = uri;
    this.shown = SourceUris.redact(uri);
    Thread drain = new Thread(this::drainStderr, "ffmpeg-stderr-" + process.pid());
    drain.setDaemon(true);
    drain.start();
  }

  static FfmpegVideoStream open(String uri, boolean live, long startFrame, CaptureConfig config)
      throws IOException {
    String shown = SourceUris.redact(uri);
    StreamInfo info = probe(uri, live, config);
    Output output = outputFor(info, config);
    List<String> command =
        new ArrayList<>(
            List.of(config.ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error"));
    if (!live && startFrame > 0 && info.fps() > 0) {
      command.addAll(List.of("-ss", String.format(Locale.ROOT, "%.3f", startFrame / info.fps())));
    }
    Input input = input(uri, live, config);
    command.addAll(input.arguments());
    command.addAll(List.of("-an", "-sn", "-vsync", "passthrough"));
    command.addAll(
        switch (output) {
          case BGR -> List.of("-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1");
          case YUV420 -> List.of("-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1");
          case JPEG -> List.of("-c:v", "copy", "-f", "mpjpeg", "pipe:1");
        });
    Process process = start(new ProcessBuilder(command), command, shown, input);
    LOG.debug("started {} for {}", command, shown);
    String backend =
        switch (output) {
          case BGR -> "ffmpeg";
          case YUV420 -> "ffmpeg-yuv";
          case JPEG -> "ffmpeg-mjpeg";
        };
    return new FfmpegVideoStream(
        process,
        new StreamInfo(info.width(), info.height(), info.fps(), !live, backend, info.codec()),
        uri,
        output,
        config);
  }

  /** What ffmpeg is asked to write for a stream of this kind. */
  static Output outputFor(StreamInfo info, CaptureConfig config) {
    if (!config.deferred_decode()) {
      return Output.BGR;
    }
    if ("mjpeg".equals(info.codec())) {
      return Output.JPEG;
    }
    // 4:2:0 needs even sizes for OpenCV's conversion; odd ones are rare enough to keep ffmpeg's.
    return info.width() % 2 == 0 && info.height() % 2 == 0 ? Output.YUV420 : Output.BGR;
  }

  /**
   * The largest reduction (8, 4, 2, else 1) that keeps the grey image at least this wide and 48
   * rows high.
   */
  static int greyScale(int width, int height, int minWidth) {
    for (int scale = 8; scale > 1; scale /= 2) {
      if (width / scale >= minWidth && height / scale >= 48) {
        return scale;
      }
    }
    return 1;
  }

  /**
   * How ffmpeg or ffprobe is told what to open. A URI with credentials never goes on the command
   * line, where every user of the machine reads it in /proc/PID/cmdline and ps: ffmpeg takes
   * credentials only inside the URL for RTSP and in the URL or a -headers option for HTTP, both
   * visible, so the URL is handed over in a one-entry concat script written to the child's stdin
   * (nothing on disk), with the protocol options that would otherwise follow -i.
   *
   * @param arguments what goes on the command line in place of {@code -i URI}
   * @param script what is written to the child's stdin, or null
   */
  record Input(List<String> arguments, String script) {}

  /**
   * Every protocol a network source may need; "file" is absent so a script can never read local
   * files.
   */
  static final String NETWORK_PROTOCOLS =
      "pipe,rtsp,rtsps,rtp,srtp,rtmp,rtmps,rtmpt,rtmpts,rtmpe,rtmpte,ffrtmpcrypt,"
          + "ffrtmphttp,srt,tcp,udp,tls,http,https,httpproxy,crypto,data";

  static Input input(String uri, boolean live, CaptureConfig config) {
    List<String> options = new ArrayList<>();
    if (live) {
      String lower = uri.toLowerCase(Locale.ROOT);
      long timeoutMicros = config.io_timeout_s() * 1_000_000L;
      if (lower.startsWith("rtsp")) {
        options.addAll(
            List.of("rtsp_transport", "udp".equals(config.rtsp_transport()) ? "udp" : "tcp"));
        // RTSP's socket timeout; in ffmpeg 5 it also ends a UDP session that receives nothing.
        options.addAll(List.of("timeout", Long.toString(timeoutMicros)));
      } else {
        options.addAll(List.of("rw_timeout", Long.toString(timeoutMicros)));
      }
    }
    if (!SourceUris.hasCredentials(uri)) {
      List<String> arguments = new ArrayList<>();
      for (int i = 0; i < options.size(); i += 2) {
        arguments.add("-" + options.get(i));
        arguments.add(options.get(i + 1));
      }
      arguments.addAll(List.of("-i", uri));
      return new Input(arguments, null);
    }
    StringBuilder script = new StringBuilder("ffconcat version 1.0\n");
    script.append("file '").append(uri.replace("'", "'\\''")).append("'\n");
    for (int i = 0; i < options.size(); i += 2) {
      script
          .append("option ")
          .append(options.get(i))
          .append(' ')
          .append(options.get(i + 1))
          .append('\n');
    }
    return new Input(
        List.of(
            "-protocol_whitelist", NETWORK_PROTOCOLS, "-f", "concat", "-safe", "0", "-i", "pipe:0"),
        script.toString());
  }

  /** Reads width, height and frame rate of the first video stream with ffprobe. */
  static StreamInfo probe(String uri, boolean live, CaptureConfig config) throws IOException {
    String shown = SourceUris.redact(uri);
    List<String> command = new ArrayList<>(List.of(config.ffprobe_path(), "-v", "error"));
    Input input = input(uri, live, config);
    command.addAll(input.arguments());
    command.addAll(
        List.of(
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,width,height,avg_frame_rate,r_frame_rate",
            "-of",
            "csv=p=0"));
    // stderr goes to a file so that neither pipe can fill up and block ffprobe while we wait for
    // it.
    Path errors = Files.createTempFile("watchpost-ffprobe", ".txt");
    byte[] out;
    byte[] err;
    try {
      Process process =
          start(new ProcessBuilder(command).redirectError(errors.toFile()), command, shown, input);
      try {
        if (!process.waitFor(config.probe_timeout_s(), TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IOException(
              "ffprobe did not answer within " + config.probe_timeout_s() + " s for " + shown);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while probing " + shown, e);
      }
      try (InputStream in = process.getInputStream();
          InputStream errIn = Files.newInputStream(errors)) {
        out = in.readNBytes(MAX_PROBE_OUTPUT_BYTES);
        err = errIn.readNBytes(MAX_PROBE_OUTPUT_BYTES);
      }
      if (process.exitValue() != 0 || out.length == 0) {
        String reason = SourceUris.redactText(new String(err, StandardCharsets.UTF_8).trim(), uri);
        throw new IOException(
            "cannot open " + shown + ": " + (reason.isEmpty() ? "no video stream" : reason));
      }
    } finally {
      Files.deleteIfExists(errors);
    }
    String text = new String(out, StandardCharsets.UTF_8).trim();
    return parseProbe(text.lines().findFirst().orElse(""), live, shown, FrameLimits.of(config));
  }

  /**
   * Parses {@code [codec_name,]width,height,r_frame_rate,avg_frame_rate}, e.g. {@code
   * h264,768,576,10/1,10/1} (ffprobe writes the fields in its own order, codec first).
   */
  static StreamInfo parseProbe(String line, boolean live, String uri, FrameLimits limits)
      throws IOException {
    String[] fields = line.trim().split(",", 9);
    String codec = "";
    if (fields.length > 0 && !fields[0].isEmpty() && !Character.isDigit(fields[0].charAt(0))) {
      codec = fields[0].trim().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "");
      codec = codec.length() > 32 ? codec.substring(0, 32) : codec;
      fields = java.util.Arrays.copyOfRange(fields, 1, fields.length);
    }
    String[] parts = fields;
    if (parts.length < 2) {
      throw new IOException(
          "unexpected ffprobe output for " + uri + ": '" + abbreviate(line) + "'");
    }
    int width = parseDimension(parts[0], "width", uri);
    int height = parseDimension(parts[1], "height", uri);
    limits.check(width, height, uri);
    double fps = 0;
    for (int i = 2; i < parts.length && fps == 0; i++) {
      fps = parseRate(parts[i]);
    }
    return new StreamInfo(width, height, fps, !live, "ffmpeg", codec);
  }

  private static int parseDimension(String text, String what, String uri) throws IOException {
    try {
      int value = Integer.parseInt(text.trim());
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IOException(
        "ffprobe reported an invalid " + what + " '" + abbreviate(text) + "' for " + uri);
  }

  private static double parseRate(String text) {
    String[] fraction = text.trim().split("/", -1);
    if (fraction.length > 2) {
      return 0;
    }
    try {
      double numerator = Double.parseDouble(fraction[0]);
      double denominator = fraction.length > 1 ? Double.parseDouble(fraction[1]) : 1;
      double fps = denominator == 0 ? 0 : numerator / denominator;
      return Double.isFinite(fps) && fps > 0 && fps <= 1000 ? fps : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }

  private static Process start(
      ProcessBuilder builder, List<String> command, String shown, Input input) throws IOException {
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IOException(
          "cannot run "
              + command.get(0)
              + " to open "
              + shown
              + " (install ffmpeg for RTSP, HTTP, H.264 and other non-MJPEG sources): "
              + e.getMessage(),
          e);
    }
    if (input.script() != null) {
      // A few hundred bytes fit in the pipe's buffer: this never blocks on a child that does not
      // read.
      try (var stdin = process.getOutputStream()) {
        stdin.write(input.script().getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        process.destroyForcibly();
        throw new IOException(
            command.get(0) + " for " + shown + " did not take its input: " + e.getMessage(), e);
      }
    }
    return process;
  }

  private void drainStderr() {
    try (var reader = process.errorReader(StandardCharsets.UTF_8)) {
      String line;
      while ((line = reader.readLine()) != null) {
        synchronized (stderrTail) {
          if (stderrTail.size() == STDERR_LINES_KEPT) {
            stderrTail.removeFirst();
          }
          stderrTail.addLast(line.length() > 300 ? line.substring(0, 300) : line);
        }
      }
    } catch (IOException e) {
      // the process is gone; its exit code tells the rest
    }
  }

  @Override
  public StreamInfo info() {
    return info;
  }

  @Override
  public ByteBuffer read(FramePool pool) throws IOException {
    if (output != Output.BGR) {
      throw new UnsupportedOperationException("this stream delivers deferred frames");
    }
    ByteBuffer buffer = pool.acquire(info.frameBytes());
    if (fill(buffer, pool)) {
      return buffer.flip();
    }
    return end();
  }

  @Override
  public boolean defers() {
    return output != Output.BGR;
  }

  @Override
  public DeferredPicture readDeferred() throws IOException {
    return output == Output.JPEG ? readJpeg() : readYuv();
  }

  private DeferredPicture readYuv() throws IOException {
    int width = info.width();
    int height = info.height();
    ByteBuffer yuv = rawPool.acquire(width * height * 3 / 2);
    if (!fill(yuv, rawPool)) {
      return end();
    }
    yuv.flip();
    ByteBuffer grey = greyPool.acquire(greyWidth * greyHeight);
    Mat luma = new Mat(height, width, CvType.CV_8UC1, yuv);
    Mat greyMat = new Mat(greyHeight, greyWidth, CvType.CV_8UC1, grey);
    try {
      Mat source = luma;
      if (greyScale > 1) {
        Imgproc.resize(
            luma, reducedLuma, new Size(greyWidth, greyHeight), 0, 0, Imgproc.INTER_AREA);
        source = reducedLuma;
      }
      // Video luma spans 16..235 (BT.601 limited range, what ffmpeg's yuv420p holds and OpenCV's
      // conversion
      // to BGR assumes); the grey image is on the full scale, as BGR2GRAY of the colour frame would
      // be.
      source.convertTo(greyMat, -1, 255.0 / 219.0, -16 * 255.0 / 219.0);
    } finally {
      luma.release();
      greyMat.release();
    }
    Deferred deferred = new Deferred(yuv, rawPool, grey);
    return new DeferredPicture(
        new Frame.Grey(greyWidth, greyHeight, grey),
        () ->
            deferred.colour(
                () -> {
                  ByteBuffer bgr = bgrPool.acquire(info.frameBytes());
                  Mat planes = new Mat(height * 3 / 2, width, CvType.CV_8UC1, yuv);
                  Mat target = new Mat(height, width, CvType.CV_8UC3, bgr);
                  try {
                    Imgproc.cvtColor(planes, target, Imgproc.COLOR_YUV2BGR_I420);
                  } finally {
                    planes.release();
                    target.release();
                  }
                  return bgr;
                }),
        deferred::release);
  }

  private DeferredPicture readJpeg() throws IOException {
    while (true) {
      ByteBuffer jpeg;
      try {
        jpeg = jpegs.next(rawPool::acquireAtLeast);
      } catch (IOException e) {
        if (process.isAlive()) {
          throw new IOException(
              "unreadable Motion-JPEG from ffmpeg for " + shown + ": " + e.getMessage(), e);
        }
        jpeg = null;
      }
      if (jpeg == null) {
        return end();
      }
      ByteBuffer grey = greyPool.acquire(greyWidth * greyHeight);
      if (decodeGrey(jpeg, grey)) {
        corruptInARow = 0;
        ByteBuffer frameJpeg = jpeg;
        Deferred deferred = new Deferred(jpeg, rawPool, grey);
        return new DeferredPicture(
            new Frame.Grey(greyWidth, greyHeight, grey),
            () -> deferred.colour(() -> decodeColour(frameJpeg)),
            deferred::release);
      }
      rawPool.release(jpeg);
      greyPool.release(grey);
      if (++corruptInARow >= MAX_CORRUPT_FRAMES_IN_A_ROW) {
        throw new IOException(
            corruptInARow + " undecodable Motion-JPEG frames in a row from " + shown);
      }
    }
  }

  /**
   * Decodes the JPEG at the grey image's scale into grey; false if it is no JPEG of this stream's
   * size.
   */
  private boolean decodeGrey(ByteBuffer jpeg, ByteBuffer grey) throws IOException {
    Mat compressed = new Mat(1, jpeg.limit(), CvType.CV_8UC1, jpeg);
    Mat decoded =
        Imgcodecs.imdecode(
            compressed,
            switch (greyScale) {
              case 8 -> Imgcodecs.IMREAD_REDUCED_GRAYSCALE_8;
              case 4 -> Imgcodecs.IMREAD_REDUCED_GRAYSCALE_4;
              case 2 -> Imgcodecs.IMREAD_REDUCED_GRAYSCALE_2;
              default -> Imgcodecs.IMREAD_GRAYSCALE;
            });
    compressed.release();
    try {
      if (decoded.empty()) {
        return false;
      }
      if (decoded.cols() != greyWidth || decoded.rows() != greyHeight) {
        throw new IOException(
            "Motion-JPEG frame of another size ("
                + decoded.cols() * greyScale
                + "x"
                + decoded.rows() * greyScale
                + ", stream opened at "
                + info.width()
                + "x"
                + info.height()
                + ") from "
                + shown);
      }
      Mat target = new Mat(greyHeight, greyWidth, CvType.CV_8UC1, grey);
      decoded.copyTo(target);
      target.release();
      return true;
    } finally {
      decoded.release();
    }
  }

  /**
   * The full decode, with the flags of OpenCV's own Motion-JPEG reader: the same pixels it gave.
   */
  private ByteBuffer decodeColour(ByteBuffer jpeg) {
    Mat compressed = new Mat(1, jpeg.limit(), CvType.CV_8UC1, jpeg);
    Mat decoded =
        Imgcodecs.imdecode(
            compressed, Imgcodecs.IMREAD_COLOR | Imgcodecs.IMREAD_IGNORE_ORIENTATION);
    compressed.release();
    ByteBuffer bgr = bgrPool.acquire(info.frameBytes());
    Mat target = new Mat(info.height(), info.width(), CvType.CV_8UC3, bgr);
    try {
      if (decoded.cols() == info.width()
          && decoded.rows() == info.height()
          && decoded.type() == CvType.CV_8UC3) {
        decoded.copyTo(target);
      } else {
        // Its grey decoded at a reduced scale; a frame whose full decode fails is shown black, not
        // thrown at
        // the detector's caller.
        target.setTo(new org.opencv.core.Scalar(0, 0, 0));
        LOG.warn("a Motion-JPEG frame of {} decoded only at a reduced scale; shown black", shown);
      }
    } finally {
      target.release();
      decoded.release();
    }
    return bgr;
  }

  /** The buffers of one deferred frame, given back once when the frame is closed. */
  private final class Deferred {
    private final ByteBuffer raw;
    private final FramePool rawOwner;
    private final ByteBuffer grey;
    private ByteBuffer colour;

    Deferred(ByteBuffer raw, FramePool rawOwner, ByteBuffer grey) {
      this.raw = raw;
      this.rawOwner = rawOwner;
      this.grey = grey;
    }

    synchronized ByteBuffer colour(java.util.function.Supplier<ByteBuffer> decode) {
      if (colour == null) {
        colour = decode.get();
      }
      return colour;
    }

    synchronized void release() {
      rawOwner.release(raw);
      greyPool.release(grey);
      if (colour != null) {
        bgrPool.release(colour);
        colour = null;
      }
    }
  }

  /**
   * Fills the buffer from the pipe; false (and the buffer back to its pool) if the stream ended
   * first.
   */
  private boolean fill(ByteBuffer buffer, FramePool pool) throws IOException {
    try {
      while (buffer.hasRemaining()) {
        int n = frames.read(chunk, 0, Math.min(chunk.length, buffer.remaining()));
        if (n < 0) {
          break;
        }
        buffer.put(chunk, 0, n);
      }
    } catch (IOException e) {
      pool.release(buffer);
      throw new IOException(
          "lost the ffmpeg pipe for " + shown + ": " + SourceUris.redactText(e.getMessage(), uri),
          e);
    }
    if (!buffer.hasRemaining()) {
      return true;
    }
    pool.release(buffer);
    return false;
  }

  /** The stream ended: null for a file that ended cleanly, else why it stopped. */
  private <T> T end() throws IOException {
    int exit = waitForExit();
    if (exit == 0 && info.finite()) {
      return null;
    }
    throw new IOException(
        "ffmpeg for " + shown + " stopped (exit code " + exit + ")" + stderrSummary());
  }

  private int waitForExit() throws IOException {
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return -1;
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for ffmpeg", e);
    }
  }

  private String stderrSummary() {
    synchronized (stderrTail) {
      return stderrTail.isEmpty()
          ? ""
          : ": " + SourceUris.redactText(String.join(" | ", stderrTail), uri);
    }
  }

  /** The child process, so that tests can kill it to prove recovery. */
  Process process() {
    return process;
  }

  @Override
  public void abort() {
    process.destroyForcibly();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(2, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      process.getInputStream().close();
    } catch (IOException e) {
      // closing a dead pipe
    }
    if (reducedLuma != null) {
      reducedLuma.release();
    }
  }
}
