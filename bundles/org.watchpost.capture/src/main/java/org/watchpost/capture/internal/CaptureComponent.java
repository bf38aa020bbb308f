// SPDX-License-Identifier: Apache-2.0
package org.watchpost.capture.internal;

import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.frame.CaptureService;
import org.watchpost.api.frame.FeedMode;
import org.watchpost.api.frame.FrameFeed;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;

/** Opens camera sources; closes whatever is still open when it is deactivated. */
@Component(service = CaptureService.class, configurationPid = CaptureConfig.PID, immediate = true)
@Designate(ocd = CaptureConfig.class)
public final class CaptureComponent implements CaptureService {
  private static final Logger LOG = LoggerFactory.getLogger(CaptureComponent.class);

  private final Set<AutoCloseable> open = Collections.newSetFromMap(new ConcurrentHashMap<>());

  /**
   * One timer thread for every source's stall watchdog; a check is a few reads of volatile fields.
   */
  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "capture-stall-watchdog");
            thread.setDaemon(true);
            return thread;
          });

  private volatile CaptureConfig config;

  @Activate
  public CaptureComponent(CaptureConfig config) {
    this.config = config;
    org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
  }

  @Modified
  void modified(CaptureConfig config) {
    this.config = config;
  }

  @Override
  public FrameSource open(SourceSpec spec) {
    FrameSource source = new ResilientFrameSource(spec, config, timers);
    open.add(source);
    return source;
  }

  @Override
  public FrameFeed feed(FrameSource source, FeedMode mode) {
    FrameFeed feed = new ThreadedFrameFeed(source, mode);
    open.add(feed);
    return feed;
  }

  @Deactivate
  void deactivate() {
    for (AutoCloseable closeable : open) {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed: {}", closeable, e.getMessage());
      }
    }
    open.clear();
    timers.shutdownNow();
    LOG.info("capture stopped; all sources closed");
  }
}
