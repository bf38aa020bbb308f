// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.frame;

import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/** A source read on its own thread, handing frames to one consumer. */
@ProviderType
public interface FrameFeed extends AutoCloseable {

  /**
   * Waits for the next frame.
   *
   * @return the frame, or {@code null} if none arrived within the timeout
   * @throws EndOfStreamException once the source has ended or the feed is closed and no frame is
   *     waiting
   */
  Frame take(Duration timeout) throws InterruptedException, EndOfStreamException;

  /** Frames replaced before the consumer took them. */
  long skippedFrames();

  /** Frames read from the source. */
  long capturedFrames();

  SourceStatus status();

  @Override
  void close();
}
