// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.IntFunction;

/**
 * Splits what ffmpeg's {@code mpjpeg} muxer writes (the JPEG frames of a Motion-JPEG stream,
 * copied, not decoded) into frames: {@code --BOUNDARY CRLF}, header lines with {@code
 * Content-length}, an empty line, the JPEG, CRLF. ffmpeg writes it, but it carries the camera's
 * bytes, so it is bounded: short lines, few headers, a frame no larger than the limit.
 */
final class MultipartJpegReader {
  /** The longest header line read; ffmpeg's are under 40 bytes. */
  static final int MAX_LINE_BYTES = 256;

  /** Header lines, blank lines between parts included, before a frame must start. */
  static final int MAX_HEADER_LINES = 16;

  private final InputStream in;
  private final int maxFrameBytes;
  private final byte[] line = new byte[MAX_LINE_BYTES];
  private final byte[] chunk = new byte[64 * 1024];

  /**
   * @param maxFrameBytes the largest JPEG accepted
   */
  MultipartJpegReader(InputStream in, int maxFrameBytes) {
    this.in = in;
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * Reads the next JPEG into a buffer from {@code buffers} (asked for the frame's exact size).
   *
   * @return the buffer, positioned at 0 with its limit at the frame's end, or null at the end of
   *     the stream between two frames
   * @throws IOException on a malformed part, a frame over the limit, or a stream that ends inside a
   *     part
   */
  ByteBuffer next(IntFunction<ByteBuffer> buffers) throws IOException {
    boolean inPart = false;
    boolean sawHeader = false;
    int length = -1;
    for (int lines = 0; lines < MAX_HEADER_LINES; lines++) {
      // ffmpeg ends the stream with a boundary and nothing after it.
      String text = readLine(sawHeader);
      if (text == null) {
        return null;
      }
      if (!inPart) {
        if (text.isEmpty()) {
          continue;
        }
        if (!text.startsWith("--")) {
          throw new IOException(
              "malformed Motion-JPEG part: expected a boundary, got '" + shown(text) + "'");
        }
        if (text.length() > 4 && text.endsWith("--")) {
          return null;
        }
        inPart = true;
        continue;
      }
      if (text.isEmpty()) {
        if (length < 0) {
          throw new IOException("Motion-JPEG part without Content-length");
        }
        return body(length, buffers);
      }
      sawHeader = true;
      int colon = text.indexOf(':');
      if (colon > 0
          && text.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
        length = parseLength(text.substring(colon + 1).trim());
      }
    }
    throw new IOException("Motion-JPEG part with more than " + MAX_HEADER_LINES + " header lines");
  }

  private int parseLength(String value) throws IOException {
    long parsed;
    try {
      parsed = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IOException("malformed Content-length '" + shown(value) + "'");
    }
    if (parsed <= 0 || parsed > maxFrameBytes) {
      throw new IOException(
          "Motion-JPEG frame of " + parsed + " bytes (at most " + maxFrameBytes + ")");
    }
    return (int) parsed;
  }

  private ByteBuffer body(int length, IntFunction<ByteBuffer> buffers) throws IOException {
    ByteBuffer buffer = buffers.apply(length);
    int left = length;
    while (left > 0) {
      int n = in.read(chunk, 0, Math.min(chunk.length, left));
      if (n < 0) {
        throw new EOFException("Motion-JPEG stream ended inside a frame");
      }
      buffer.put(chunk, 0, n);
      left -= n;
    }
    return buffer.flip();
  }

  /**
   * One line without its CRLF (a bare LF ends one too), or null at the end of the stream before any
   * byte of it.
   *
   * @param required whether the end of the stream here is an error (inside a part)
   */
  private String readLine(boolean required) throws IOException {
    int n = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (n == 0 && !required) {
          return null;
        }
        throw new EOFException("Motion-JPEG stream ended inside a part header");
      }
      if (b == '\n') {
        int end = n > 0 && line[n - 1] == '\r' ? n - 1 : n;
        return new String(line, 0, end, StandardCharsets.ISO_8859_1);
      }
      if (n == line.length) {
        throw new IOException(
            "Motion-JPEG part header line longer than " + MAX_LINE_BYTES + " bytes");
      }
      line[n++] = (byte) b;
    }
  }

  private static String shown(String text) {
    String printable = text.replaceAll("[^\\x20-\\x7e]", "?");
    return printable.length() <= 60 ? printable : printable.substring(0, 60) + "...";
  }
}
