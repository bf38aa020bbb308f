// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.frame;

import java.io.IOException;
import org.osgi.annotation.versioning.ProviderType;

/** A pull source of frames for one camera. */
@ProviderType
public interface FrameSource extends AutoCloseable {

  String cameraId();

  /**
   * Blocks until the next frame is available.
   *
   * @return the next frame, or {@code null} when a finite source (a file) has ended
   * @throws IOException when the source failed and could not be recovered (a resilient source
   *     retries on its own and only throws once it is closed)
   */
  Frame read() throws IOException;

  /** The current state, readable from any thread. */
  SourceStatus status();

  /** Stops the source, unblocking a waiting {@link #read()}; idempotent. */
  @Override
  void close();
}
