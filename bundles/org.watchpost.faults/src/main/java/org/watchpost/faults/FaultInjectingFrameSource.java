// SPDX-License-Identifier: Apache-2.0
package org.watchpost.faults;

import java.io.IOException;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceStatus;

/**
 * A camera source with faults injected on a schedule in stream time. During a drop window {@link
 * #read()} keeps reading and discarding the wrapped source's frames, so with a real-time source it
 * blocks for the window, as a lost camera would, while {@link #status()} reports it reconnecting.
 */
public final class FaultInjectingFrameSource implements FrameSource {
  private final FrameSource source;
  private final FaultInjector injector;

  public FaultInjectingFrameSource(FrameSource source, FaultInjector injector) {
    this.source = source;
    this.injector = injector;
  }

  public FaultInjectingFrameSource(FrameSource source, FaultSchedule schedule) {
    this(source, new FaultInjector(schedule));
  }

  @Override
  public String cameraId() {
    return source.cameraId();
  }

  @Override
  public Frame read() throws IOException {
    while (true) {
      Frame frame = source.read();
      if (frame == null) {
        return null;
      }
      Frame delivered = injector.apply(frame);
      if (delivered != null) {
        return delivered;
      }
    }
  }

  @Override
  public SourceStatus status() {
    return injector.status(source.status());
  }

  public FaultInjector injector() {
    return injector;
  }

  @Override
  public void close() {
    source.close();
  }
}
