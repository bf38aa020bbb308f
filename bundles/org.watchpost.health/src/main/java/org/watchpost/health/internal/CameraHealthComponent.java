// SPDX-License-Identifier: Apache-2.0
package org.watchpost.health.internal;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.SourceState;
import org.watchpost.api.frame.SourceStatus;
import org.watchpost.api.health.BaselineViews;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.host.HostFramework;
import org.watchpost.api.pipeline.FrameObserver;
import org.watchpost.api.pipeline.SummaryContributor;

/**
 * Camera health for every camera the pipeline runs: sees each frame and the source status once a
 * second, sends alarms (raised and cleared) and periodic telemetry to every health sink, keeps each
 * camera's baseline on disk, and gives the run summary its {@code health_alarms}.
 */
@Component(
    service = {FrameObserver.class, SummaryContributor.class, BaselineViews.class},
    configurationPid = CameraHealthConfig.PID)
@Designate(ocd = CameraHealthConfig.class)
public final class CameraHealthComponent
    implements FrameObserver, SummaryContributor, BaselineViews {
  private static final Logger LOG = LoggerFactory.getLogger(CameraHealthComponent.class);
  private static final int HISTORY = 1000;

  private final Map<String, CameraMonitor> cameras = new ConcurrentHashMap<>();
  private final List<HealthSink> sinks = new CopyOnWriteArrayList<>();
  private final AlarmHistory history = new AlarmHistory(HISTORY);

  /** The latest baseline of each camera, so a camera that comes back does not wait for the disk. */
  private final Map<String, StoredBaseline> kept = new ConcurrentHashMap<>();

  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "watchpost-health-baselines");
            thread.setDaemon(true);
            return thread;
          });
  private final CameraMonitor.Listener listener =
      new CameraMonitor.Listener() {
        @Override
        public void alarm(HealthAlarm alarm) {
          history.record(alarm);
          for (HealthSink sink : sinks) {
            try {
              sink.alarm(alarm);
            } catch (RuntimeException e) {
              LOG.warn("health sink {} refused an alarm: {}", sink, e.toString());
            }
          }
        }

        @Override
        public void report(HealthReport report) {
          for (HealthSink sink : sinks) {
            try {
              sink.report(report);
            } catch (RuntimeException e) {
              LOG.warn("health sink {} refused a report: {}", sink, e.toString());
            }
          }
        }

        @Override
        public void keep(StoredBaseline baseline) {
          kept.put(baseline.cameraId(), baseline);
          BaselineStore target = store;
          writer.execute(
              () -> {
                try {
                  target.save(baseline);
                } catch (IOException | RuntimeException e) {
                  LOG.warn(
                      "camera {}: baseline not saved to {}: {}",
                      baseline.cameraId(),
                      target.directory(),
                      e.toString());
                }
              });
        }
      };
  private volatile CameraHealthConfig config;
  private volatile BaselineStore store;
  private volatile long failures;

  /** Kura's data directory, under which relative paths go; null outside Kura. */
  private final String kuraData;

  @Activate
  public CameraHealthComponent(CameraHealthConfig config, BundleContext context) {
    this(config, context.getProperty(HostFramework.KURA_DATA));
  }

  public CameraHealthComponent(CameraHealthConfig config) {
    this(config, (String) null);
  }

  CameraHealthComponent(CameraHealthConfig config, String kuraData) {
    this.kuraData = kuraData;
    org.watchpost.api.natives.NativeLibraries.loadOpenCv(nu.pattern.OpenCV.class);
    modified(config);
  }

  @Modified
  void modified(CameraHealthConfig config) {
    this.config = config;
    this.store =
        new BaselineStore(HostFramework.resolve(kuraData, config.baseline_dir()).toAbsolutePath());
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addSink(HealthSink sink) {
    sinks.add(sink);
  }

  void removeSink(HealthSink sink) {
    sinks.remove(sink);
  }

  @Override
  public void onFrame(Frame frame) {
    try {
      monitor(frame.sourceId()).onFrame(frame);
    } catch (RuntimeException e) {
      failed(frame.sourceId(), e);
    }
  }

  /**
   * A CLOSED source means the camera's pipeline stopped: its monitor is closed and its baseline
   * kept.
   */
  @Override
  public void onSourceStatus(String cameraId, SourceStatus status, long nowMillis) {
    try {
      if (status.state() == SourceState.CLOSED) {
        CameraMonitor monitor = cameras.remove(cameraId);
        if (monitor != null) {
          monitor.close();
        }
        return;
      }
      monitor(cameraId).onSourceStatus(status, nowMillis);
    } catch (RuntimeException e) {
      failed(cameraId, e);
    }
  }

  /**
   * Health must never take the pipeline down; a failure is logged (sparingly) and the frame is
   * skipped.
   */
  private void failed(String cameraId, RuntimeException e) {
    failures++;
    if (Long.bitCount(failures) == 1) {
      LOG.error("camera {}: health check failed ({} failures so far)", cameraId, failures, e);
    }
  }

  private CameraMonitor monitor(String cameraId) {
    return cameras.computeIfAbsent(
        cameraId,
        id ->
            new CameraMonitor(
                id,
                () -> config,
                kept.containsKey(id) ? java.util.Optional.of(kept.get(id)) : store.load(id),
                listener));
  }

  @Override
  public Map<String, Object> summary() {
    return Map.of("health_alarms", history.asList());
  }

  @Deactivate
  void deactivate() {
    cameras.values().forEach(CameraMonitor::close);
    cameras.clear();
    writer.shutdown();
    try {
      if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("baselines still being written after 10 s; giving up on them");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The latest baseline of a camera, for the installer's page. */
  @Override
  public LearnedView reference(String cameraId) {
    StoredBaseline stored = kept.get(cameraId);
    if (stored == null) {
      return null;
    }
    Baseline b = stored.baseline();
    return new LearnedView(
        Map.of(
            "frame_width",
            b.frameWidth(),
            "frame_height",
            b.frameHeight(),
            "mean_luma",
            b.meanLuma(),
            "saturated_share",
            b.saturatedShare(),
            "sharpness",
            b.sharpness(),
            "difference_floor",
            b.differenceFloor(),
            "fps",
            b.fps(),
            "samples",
            b.samples(),
            "learned_at_ms",
            b.learnedAtMillis()),
        stored.referenceWidth(),
        stored.referenceHeight(),
        stored.reference());
  }
}
