package org.watchpost.capture.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.frame.SourceUris;

/**
 * An ffmpeg child process decoding any source it can open (RTSP, HTTP, H.264, DivX...) and writing raw BGR24
 * frames to a pipe: the way the most used open-source camera analytics systems decode, and it restarts cleanly.
 */
final class FfmpegVideoStream implements VideoStream {
  private static final Logger LOG = LoggerFactory.getLogger(FfmpegVideoStream.class);
  /** ffprobe prints one short line; more than this is not a stream header. */
  private static final int MAX_PROBE_OUTPUT_BYTES = 4096;
  private static final int STDERR_LINES_KEPT = 20;

  private final Process process;
  private final ReadableByteChannel frames;
  private final StreamInfo info;
  private final String uri;
  /** The URI as it may be shown. */
  private final String shown;
  private final ArrayDeque<String> stderrTail = new ArrayDeque<>();

  private FfmpegVideoStream(Process process, StreamInfo info, String uri) {
    this.process = process;
    this.frames = Channels.newChannel(process.getInputStream());
    this.info = info;
    this.uri = uri;
    this.shown = SourceUris.redact(uri);
    Thread drain = new Thread(this::drainStderr, "ffmpeg-stderr-" + process.pid());
    drain.setDaemon(true);
    drain.start();
  }

  static FfmpegVideoStream open(String uri, boolean live, long startFrame, CaptureConfig config) throws IOException {
    String shown = SourceUris.redact(uri);
    StreamInfo info = probe(uri, live, config);
    List<String> command = new ArrayList<>(List.of(config.ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error"));
    if (!live && startFrame > 0 && info.fps() > 0) {
      command.addAll(List.of("-ss", String.format(Locale.ROOT, "%.3f", startFrame / info.fps())));
    }
    Input input = input(uri, live, config);
    command.addAll(input.arguments());
    command.addAll(List.of("-an", "-sn", "-vsync", "passthrough", "-f", "rawvideo", "-pix_fmt", "bgr24", "pipe:1"));
    Process process = start(new ProcessBuilder(command), command, shown, input);
    LOG.debug("started {} for {}", command, shown);
    return new FfmpegVideoStream(process, new StreamInfo(info.width(), info.height(), info.fps(), !live, "ffmpeg"), uri);
  }

  /**
   * How ffmpeg or ffprobe is told what to open. A URI with credentials never goes on the command line, where
   * every user of the machine reads it in /proc/PID/cmdline and ps: ffmpeg takes credentials only inside the
   * URL for RTSP and in the URL or a -headers option for HTTP, both visible, so the URL is handed over in a
   * one-entry concat script written to the child's stdin (nothing on disk), with the protocol options that
   * would otherwise follow -i.
   *
   * @param arguments what goes on the command line in place of {@code -i URI}
   * @param script what is written to the child's stdin, or null
   */
  record Input(List<String> arguments, String script) {}

  /** Every protocol a network source may need; "file" is absent so a script can never read local files. */
  static final String NETWORK_PROTOCOLS = "pipe,rtsp,rtsps,rtp,srtp,rtmp,rtmps,rtmpt,rtmpts,rtmpe,rtmpte,ffrtmpcrypt,"
      + "ffrtmphttp,srt,tcp,udp,tls,http,https,httpproxy,crypto,data";

  static Input input(String uri, boolean live, CaptureConfig config) {
    List<String> options = new ArrayList<>();
    if (live) {
      String lower = uri.toLowerCase(Locale.ROOT);
      long timeoutMicros = config.io_timeout_s() * 1_000_000L;
      if (lower.startsWith("rtsp")) {
        options.addAll(List.of("rtsp_transport", "udp".equals(config.rtsp_transport()) ? "udp" : "tcp"));
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
      script.append("option ").append(options.get(i)).append(' ').append(options.get(i + 1)).append('\n');
    }
    return new Input(List.of("-protocol_whitelist", NETWORK_PROTOCOLS, "-f", "concat", "-safe", "0", "-i", "pipe:0"),
        script.toString());
  }

  /** Reads width, height and frame rate of the first video stream with ffprobe. */
  static StreamInfo probe(String uri, boolean live, CaptureConfig config) throws IOException {
    String shown = SourceUris.redact(uri);
    List<String> command = new ArrayList<>(List.of(config.ffprobe_path(), "-v", "error"));
    Input input = input(uri, live, config);
    command.addAll(input.arguments());
    command.addAll(List.of("-select_streams", "v:0", "-show_entries", "stream=width,height,avg_frame_rate,r_frame_rate",
        "-of", "csv=p=0"));
    // stderr goes to a file so that neither pipe can fill up and block ffprobe while we wait for it.
    Path errors = Files.createTempFile("watchpost-ffprobe", ".txt");
    byte[] out;
    byte[] err;
    try {
      Process process = start(new ProcessBuilder(command).redirectError(errors.toFile()), command, shown, input);
      try {
        if (!process.waitFor(config.probe_timeout_s(), TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new IOException("ffprobe did not answer within " + config.probe_timeout_s() + " s for " + shown);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while probing " + shown, e);
      }
      try (InputStream in = process.getInputStream(); InputStream errIn = Files.newInputStream(errors)) {
        out = in.readNBytes(MAX_PROBE_OUTPUT_BYTES);
        err = errIn.readNBytes(MAX_PROBE_OUTPUT_BYTES);
      }
      if (process.exitValue() != 0 || out.length == 0) {
        String reason = SourceUris.redactText(new String(err, StandardCharsets.UTF_8).trim(), uri);
        throw new IOException("cannot open " + shown + ": " + (reason.isEmpty() ? "no video stream" : reason));
      }
    } finally {
      Files.deleteIfExists(errors);
    }
    String text = new String(out, StandardCharsets.UTF_8).trim();
    return parseProbe(text.lines().findFirst().orElse(""), live, shown, FrameLimits.of(config));
  }

  /** Parses {@code width,height,r_frame_rate,avg_frame_rate}, e.g. {@code 768,576,10/1,10/1}. */
  static StreamInfo parseProbe(String line, boolean live, String uri, FrameLimits limits) throws IOException {
    String[] parts = line.trim().split(",", 8);
    if (parts.length < 2) {
      throw new IOException("unexpected ffprobe output for " + uri + ": '" + abbreviate(line) + "'");
    }
    int width = parseDimension(parts[0], "width", uri);
    int height = parseDimension(parts[1], "height", uri);
    limits.check(width, height, uri);
    double fps = 0;
    for (int i = 2; i < parts.length && fps == 0; i++) {
      fps = parseRate(parts[i]);
    }
    return new StreamInfo(width, height, fps, !live, "ffmpeg");
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
    throw new IOException("ffprobe reported an invalid " + what + " '" + abbreviate(text) + "' for " + uri);
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

  private static Process start(ProcessBuilder builder, List<String> command, String shown, Input input)
      throws IOException {
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new IOException("cannot run " + command.get(0) + " to open " + shown
          + " (install ffmpeg for RTSP, HTTP, H.264 and other non-MJPEG sources): " + e.getMessage(), e);
    }
    if (input.script() != null) {
      // A few hundred bytes fit in the pipe's buffer: this never blocks on a child that does not read.
      try (var stdin = process.getOutputStream()) {
        stdin.write(input.script().getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        process.destroyForcibly();
        throw new IOException(command.get(0) + " for " + shown + " did not take its input: " + e.getMessage(), e);
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
    ByteBuffer buffer = pool.acquire(info.frameBytes());
    try {
      while (buffer.hasRemaining()) {
        if (frames.read(buffer) < 0) {
          break;
        }
      }
    } catch (IOException e) {
      pool.release(buffer);
      throw new IOException("lost the ffmpeg pipe for " + shown + ": " + SourceUris.redactText(e.getMessage(), uri), e);
    }
    if (!buffer.hasRemaining()) {
      return buffer.flip();
    }
    pool.release(buffer);
    int exit = waitForExit();
    if (exit == 0 && info.finite()) {
      return null;
    }
    throw new IOException("ffmpeg for " + shown + " stopped (exit code " + exit + ")" + stderrSummary());
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
      return stderrTail.isEmpty() ? "" : ": " + SourceUris.redactText(String.join(" | ", stderrTail), uri);
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
      frames.close();
    } catch (IOException e) {
      // closing a dead pipe
    }
  }
}
