// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.frame;

import org.osgi.annotation.versioning.ProviderType;

/** Opens camera sources. */
@ProviderType
public interface CaptureService {

  /**
   * Opens a source that reconnects on its own with exponential backoff when the stream is lost.
   * Opening never fails for an unreachable camera: the source reports {@link
   * SourceState#RECONNECTING}.
   *
   * @throws IllegalArgumentException if the URI is malformed or names a file that does not exist
   */
  FrameSource open(SourceSpec spec);

  /** Reads the source on a new thread; the feed owns the source and closes it. */
  FrameFeed feed(FrameSource source, FeedMode mode);
}
