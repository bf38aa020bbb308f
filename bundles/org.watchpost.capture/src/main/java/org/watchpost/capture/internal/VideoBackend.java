// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.io.IOException;

/** Opens streams of one kind. */
interface VideoBackend {

  /**
   * @param startFrame for a file, the frame to start at (to resume after a crash); ignored for live
   *     streams
   */
  VideoStream open(String uri, long startFrame) throws IOException;
}
