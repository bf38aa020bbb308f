// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.frame;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * One decoded video frame: packed BGR24 pixels, row stride {@code width * 3}, in a direct buffer so
 * that OpenCV can wrap it without a copy ({@code new Mat(height, width, CV_8UC3, frame.pixels())}).
 *
 * <p>A frame may hold a pooled buffer; whoever ends up with it calls {@link #close()} so the buffer
 * can be reused. The pixels must not be written.
 *
 * <p>A source may deliver a frame {@linkplain #deferred deferred}: with a {@linkplain #grey() grey
 * image}, often smaller, made cheaply (a JPEG decoded at a reduced scale, the luma plane of a YUV
 * frame), and its colour pixels decoded only when someone asks for {@link #pixels()}. Motion and
 * camera health look at the grey image, so on a still scene, where the detector does not run, the
 * full colour frame is never made.
 */
public final class Frame implements AutoCloseable {
  private final String sourceId;
  private final long sequence;
  private final long captureEpochMillis;
  private final long streamMillis;
  private final long decodeNanos;
  private final int width;
  private final int height;
  private volatile ByteBuffer pixels;
  private final Supplier<ByteBuffer> decoder;
  private final Grey grey;
  private final Runnable release;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param sourceId the camera this frame came from
   * @param sequence per-source sequence number, strictly increasing, never reset while the source
   *     runs
   * @param captureEpochMillis wall-clock capture time (for a file: the time it was opened plus the
   *     frame's presentation time); a label only: NTP or an operator may step it by hours, so no
   *     duration is measured with it
   * @param streamMillis the time every timer runs on: for a live source, monotonic milliseconds
   *     since the source was first opened (from {@code System.nanoTime}, continuing across
   *     reconnects); for a file, its position in the clip (growing on with each loop)
   * @param decodeNanos time the source spent producing this frame
   * @param pixels direct buffer of exactly {@code width * height * 3} BGR bytes
   * @param release called once when the frame is closed; may be null
   */
  public Frame(
      String sourceId,
      long sequence,
      long captureEpochMillis,
      long streamMillis,
      long decodeNanos,
      int width,
      int height,
      ByteBuffer pixels,
      Runnable release) {
    this(
        sourceId,
        sequence,
        captureEpochMillis,
        streamMillis,
        decodeNanos,
        width,
        height,
        checked(pixels, width, height),
        null,
        null,
        release);
  }

  private Frame(
      String sourceId,
      long sequence,
      long captureEpochMillis,
      long streamMillis,
      long decodeNanos,
      int width,
      int height,
      ByteBuffer pixels,
      Grey grey,
      Supplier<ByteBuffer> decoder,
      Runnable release) {
    this.sourceId = Objects.requireNonNull(sourceId, "sourceId");
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "frame size must be positive, was " + width + "x" + height);
    }
    this.decoder = decoder;
    this.grey = grey;
    this.sequence = sequence;
    this.captureEpochMillis = captureEpochMillis;
    this.streamMillis = streamMillis;
    this.decodeNanos = decodeNanos;
    this.width = width;
    this.height = height;
    this.pixels = pixels;
    this.release = release;
  }

  /**
   * A frame whose colour pixels are decoded only when first asked for.
   *
   * @param grey the grey image, made now
   * @param decoder makes the colour pixels (a direct buffer of at least {@code width * height * 3}
   *     BGR bytes) on the first call of {@link #pixels()}; called at most once, on the thread that
   *     asks; what it allocates is given back by {@code release}
   * @since 1.2
   */
  public static Frame deferred(
      String sourceId,
      long sequence,
      long captureEpochMillis,
      long streamMillis,
      long decodeNanos,
      int width,
      int height,
      Grey grey,
      Supplier<ByteBuffer> decoder,
      Runnable release) {
    return new Frame(
        sourceId,
        sequence,
        captureEpochMillis,
        streamMillis,
        decodeNanos,
        width,
        height,
        null,
        Objects.requireNonNull(grey, "grey"),
        Objects.requireNonNull(decoder, "decoder"),
        release);
  }

  /**
   * A grey picture of the whole frame: 8-bit luma on the full 0..255 scale (what OpenCV's {@code
   * COLOR_BGR2GRAY} of the colour pixels gives, to a level or two), possibly at a reduced size with
   * the frame's aspect.
   *
   * @param pixels direct buffer of {@code width * height} bytes, row stride {@code width},
   *     positioned at 0
   * @since 1.2
   */
  public record Grey(int width, int height, ByteBuffer pixels) {
    public Grey {
      if (width <= 0
          || height <= 0
          || !pixels.isDirect()
          || pixels.capacity() < (long) width * height) {
        throw new IllegalArgumentException(
            "grey image must be a direct buffer of width*height bytes, " + width + "x" + height);
      }
    }
  }

  private static ByteBuffer checked(ByteBuffer pixels, int width, int height) {
    if (!pixels.isDirect() || pixels.capacity() < (long) width * height * 3) {
      throw new IllegalArgumentException(
          "pixels must be a direct buffer of at least width*height*3 bytes");
    }
    return pixels;
  }

  public String sourceId() {
    return sourceId;
  }

  public long sequence() {
    return sequence;
  }

  public long captureEpochMillis() {
    return captureEpochMillis;
  }

  public long streamMillis() {
    return streamMillis;
  }

  public long decodeNanos() {
    return decodeNanos;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /**
   * A view of the colour pixels positioned at 0; the caller must not write through it. A deferred
   * frame decodes them on the first call.
   */
  public ByteBuffer pixels() {
    if (closed.get()) {
      throw new IllegalStateException("frame " + sourceId + "#" + sequence + " was already closed");
    }
    ByteBuffer p = pixels;
    if (p == null) {
      synchronized (this) {
        p = pixels;
        if (p == null) {
          p = checked(decoder.get(), width, height);
          pixels = p;
        }
      }
    }
    return p.duplicate().clear();
  }

  /**
   * The grey image a deferred frame came with, or null for a frame that has only its colour pixels
   * (then the grey is made from {@link #pixels()}).
   *
   * @since 1.2
   */
  public Grey grey() {
    if (grey != null && closed.get()) {
      throw new IllegalStateException("frame " + sourceId + "#" + sequence + " was already closed");
    }
    return grey == null
        ? null
        : new Grey(grey.width(), grey.height(), grey.pixels().duplicate().clear());
  }

  /**
   * Whether the colour pixels exist yet: always for an ordinary frame, for a deferred one once
   * someone has asked for them.
   *
   * @since 1.2
   */
  public boolean isDecoded() {
    return pixels != null;
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Gives the pixel buffer back to its source; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && release != null) {
      release.run();
    }
  }

  @Override
  public String toString() {
    return "Frame["
        + sourceId
        + "#"
        + sequence
        + " "
        + width
        + "x"
        + height
        + " t="
        + streamMillis
        + "ms]";
  }
}
