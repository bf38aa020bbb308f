package org.watchpost.api.frame;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One decoded video frame: packed BGR24 pixels, row stride {@code width * 3}, in a direct buffer so that
 * OpenCV can wrap it without a copy ({@code new Mat(height, width, CV_8UC3, frame.pixels())}).
 *
 * <p>A frame may hold a pooled buffer; whoever ends up with it calls {@link #close()} so the buffer can be
 * reused. The pixels must not be written.
 */
public final class Frame implements AutoCloseable {
  private final String sourceId;
  private final long sequence;
  private final long captureEpochMillis;
  private final long streamMillis;
  private final long decodeNanos;
  private final int width;
  private final int height;
  private final ByteBuffer pixels;
  private final Runnable release;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param sourceId the camera this frame came from
   * @param sequence per-source sequence number, strictly increasing, never reset while the source runs
   * @param captureEpochMillis wall-clock capture time (for a file: the time it was opened plus the frame's
   *     presentation time); a label only: NTP or an operator may step it by hours, so no duration is measured
   *     with it
   * @param streamMillis the time every timer runs on: for a live source, monotonic milliseconds since the
   *     source was first opened (from {@code System.nanoTime}, continuing across reconnects); for a file, its
   *     position in the clip (growing on with each loop)
   * @param decodeNanos time the source spent producing this frame
   * @param pixels direct buffer of exactly {@code width * height * 3} BGR bytes
   * @param release called once when the frame is closed; may be null
   */
  public Frame(String sourceId, long sequence, long captureEpochMillis, long streamMillis, long decodeNanos,
      int width, int height, ByteBuffer pixels, Runnable release) {
    this.sourceId = Objects.requireNonNull(sourceId, "sourceId");
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("frame size must be positive, was " + width + "x" + height);
    }
    if (!pixels.isDirect() || pixels.capacity() < (long) width * height * 3) {
      throw new IllegalArgumentException("pixels must be a direct buffer of at least width*height*3 bytes");
    }
    this.sequence = sequence;
    this.captureEpochMillis = captureEpochMillis;
    this.streamMillis = streamMillis;
    this.decodeNanos = decodeNanos;
    this.width = width;
    this.height = height;
    this.pixels = pixels;
    this.release = release;
  }

  public String sourceId() { return sourceId; }
  public long sequence() { return sequence; }
  public long captureEpochMillis() { return captureEpochMillis; }
  public long streamMillis() { return streamMillis; }
  public long decodeNanos() { return decodeNanos; }
  public int width() { return width; }
  public int height() { return height; }

  /** A view of the pixels positioned at 0; the caller must not write through it. */
  public ByteBuffer pixels() {
    if (closed.get()) {
      throw new IllegalStateException("frame " + sourceId + "#" + sequence + " was already closed");
    }
    return pixels.duplicate().clear();
  }

  public boolean isClosed() { return closed.get(); }

  /** Gives the pixel buffer back to its source; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && release != null) {
      release.run();
    }
  }

  @Override
  public String toString() {
    return "Frame[" + sourceId + "#" + sequence + " " + width + "x" + height + " t=" + streamMillis + "ms]";
  }
}
