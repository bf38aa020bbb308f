// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.frame.EndOfStreamException;
import org.watchpost.api.frame.FeedMode;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameFeed;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.api.frame.SourceUris;

/** Reads a source on its own thread so that a slow consumer never stalls the camera. */
final class ThreadedFrameFeed implements FrameFeed {
  private static final Logger LOG = LoggerFactory.getLogger(ThreadedFrameFeed.class);
  private static final long JOIN_TIMEOUT_MILLIS = 5_000;

  private final FrameSource source;
  private final FrameSlot slot;
  private final Thread thread;
  private final AtomicLong captured = new AtomicLong();
  private volatile String endReason = "source ended";

  ThreadedFrameFeed(FrameSource source, FeedMode mode) {
    this.source = source;
    this.slot = new FrameSlot(mode == FeedMode.NEWEST_WINS);
    this.thread = new Thread(this::run, "capture-" + source.cameraId());
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      Frame frame;
      while ((frame = source.read()) != null) {
        captured.incrementAndGet();
        if (!slot.put(frame)) {
          break;
        }
      }
    } catch (InterruptedException e) {
      endReason = "feed closed";
    } catch (IOException e) {
      endReason = "source failed: " + SourceUris.redactText(e.getMessage());
      LOG.error("camera {}: capture stopped: {}", source.cameraId(), endReason);
    } catch (RuntimeException e) {
      endReason = "source failed: " + SourceUris.redactText(String.valueOf(e));
      LOG.error("camera {}: capture stopped: {}", source.cameraId(), endReason, e);
    } finally {
      slot.end();
    }
  }

  @Override
  public Frame take(Duration timeout) throws InterruptedException, EndOfStreamException {
    try {
      return slot.take(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (FrameSlot.EndedException e) {
      throw new EndOfStreamException("camera " + source.cameraId() + ": " + endReason);
    }
  }

  @Override
  public long skippedFrames() {
    return slot.skipped();
  }

  @Override
  public long capturedFrames() {
    return captured.get();
  }

  @Override
  public SourceStatus status() {
    return source.status();
  }

  @Override
  public void close() {
    source.close();
    slot.drain();
    thread.interrupt();
    try {
      thread.join(JOIN_TIMEOUT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warn(
          "camera {}: capture thread did not stop within {} ms",
          source.cameraId(),
          JOIN_TIMEOUT_MILLIS);
    }
    slot.drain();
  }
}
