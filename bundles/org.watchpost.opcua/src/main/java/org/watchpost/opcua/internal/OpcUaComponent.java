// SPDX-License-Identifier: Apache-2.0
package org.watchpost.opcua.internal;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.milo.opcua.sdk.server.api.methods.AbstractMethodInvocationHandler;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.EventSink;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.HealthSink;
import org.watchpost.api.health.MetricsProvider;
import org.watchpost.api.host.HostFramework;
import org.watchpost.api.pipeline.CameraControl;
import org.watchpost.api.pipeline.CameraStatus;
import org.watchpost.api.pipeline.CameraStatusProvider;

/**
 * The OPC UA server of the device. It mirrors what the pipeline already publishes (events and
 * counts as an event sink, alarms and telemetry as a health sink, the cameras' status and the
 * device metrics read every refresh interval) and never drives the pipeline, except through {@link
 * CameraControl} for the two methods.
 *
 * <p>Sink calls come on pipeline threads: they only hand the value to the one mirror thread, and
 * when that thread falls far behind, values are dropped (and counted) rather than the pipeline
 * slowed.
 *
 * <p>It needs its configuration, like the uplink: a device opens no port before it is configured,
 * and {@code enabled = false} switches the server off while keeping its settings.
 */
@Component(
    service = {EventSink.class, HealthSink.class},
    immediate = true,
    configurationPid = OpcUaConfig.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = OpcUaConfig.class)
public final class OpcUaComponent implements EventSink, HealthSink, CameraMethodHandlers.Actions {
  private static final Logger LOG = LoggerFactory.getLogger(OpcUaComponent.class);
  private static final int MAX_PENDING = 10_000;
  private static final long METHOD_WAIT_MILLIS = 2_000;

  private final List<MetricsProvider> metricsProviders = new CopyOnWriteArrayList<>();
  private final List<CameraStatusProvider> cameraProviders = new CopyOnWriteArrayList<>();
  private volatile CameraControl control;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private final ScheduledExecutorService mirrorThread;
  private final WatchpostServer server;
  private final StateMirror mirror;

  @Activate
  public OpcUaComponent(OpcUaConfig config, BundleContext context) throws IOException {
    this(config, context.getProperty(HostFramework.KURA_DATA), HostFramework.ownedByHost(context));
  }

  public OpcUaComponent(OpcUaConfig config) throws IOException {
    this(config, null, false);
  }

  /**
   * @param kuraData Kura's data directory, under which relative paths go; null outside Kura
   * @param insideKura Kura configures every PID of the Metatype with its defaults, so that a
   *     configuration is there whether or not anyone asked for this server; inside Kura it
   *     therefore starts only once an operator has given it users, and never opens a port or prints
   *     a generated credential on defaults alone
   */
  OpcUaComponent(OpcUaConfig config, String kuraData, boolean insideKura) throws IOException {
    boolean seededOnly = insideKura && config.users().length == 0;
    if (!config.enabled() || seededOnly) {
      LOG.info(
          seededOnly
              ? "OPC UA server standing down: the framework is Kura's and no users are configured (Kura seeds every"
                  + " PID with its defaults; set users in "
                  + OpcUaConfig.PID
                  + " to serve OPC UA on the gateway)"
              : "OPC UA server switched off (enabled = false)");
      mirrorThread = null;
      server = null;
      mirror = null;
      return;
    }
    String initial = System.getProperty("configurator.initial");
    String origin =
        "configuration "
            + OpcUaConfig.PID
            + ", property users"
            + (initial == null || initial.isBlank() || initial.strip().startsWith("{")
                ? ""
                : " (first read from " + initial + ")");
    Users users =
        CredentialFile.users(
            config.users(),
            origin,
            HostFramework.resolve(kuraData, config.credential_file()),
            new SecureRandom(),
            System.out);
    server =
        WatchpostServer.start(
            config, HostFramework.resolve(kuraData, config.pki_dir()), users, this::methods);
    mirror = new StateMirror(server.namespace());
    mirrorThread =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "opcua-mirror");
              thread.setDaemon(true);
              return thread;
            });
    mirrorThread.scheduleWithFixedDelay(
        this::refresh, 0, config.refresh_ms(), TimeUnit.MILLISECONDS);
  }

  private List<AbstractMethodInvocationHandler> methods(
      String cameraId, WatchpostNamespace.CameraMethodNodes nodes) {
    return List.of(
        new CameraMethodHandlers.ResetCounters(nodes.resetCounters(), cameraId, this),
        new CameraMethodHandlers.SetArmed(nodes.setArmed(), cameraId, this));
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addMetricsProvider(MetricsProvider provider) {
    metricsProviders.add(provider);
  }

  void removeMetricsProvider(MetricsProvider provider) {
    metricsProviders.remove(provider);
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addCameraStatusProvider(CameraStatusProvider provider) {
    cameraProviders.add(provider);
  }

  void removeCameraStatusProvider(CameraStatusProvider provider) {
    cameraProviders.remove(provider);
  }

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void setCameraControl(CameraControl control) {
    this.control = control;
  }

  void unsetCameraControl(CameraControl control) {
    if (this.control == control) {
      this.control = null;
    }
  }

  @Override
  public void publish(Event event) {
    submit(() -> mirror.event(event));
  }

  @Override
  public void publish(CountSummary counts) {
    submit(() -> mirror.counts(counts));
  }

  @Override
  public void alarm(HealthAlarm alarm) {
    submit(() -> mirror.alarm(alarm));
  }

  @Override
  public void report(HealthReport report) {
    submit(() -> mirror.report(report));
  }

  /** Hands work to the mirror thread without waiting; drops it when the thread is far behind. */
  private void submit(Runnable work) {
    if (server == null) {
      return;
    }
    if (pending.incrementAndGet() > MAX_PENDING) {
      pending.decrementAndGet();
      if (Long.bitCount(dropped.incrementAndGet()) == 1) {
        LOG.warn(
            "OPC UA: the mirror is {} updates behind; {} dropped so far",
            MAX_PENDING,
            dropped.get());
      }
      return;
    }
    run(
        () -> {
          pending.decrementAndGet();
          work.run();
        });
  }

  /** Queues work that must not be dropped (a method's effect). */
  private void run(Runnable work) {
    try {
      mirrorThread.execute(
          () -> {
            try {
              work.run();
            } catch (RuntimeException e) {
              LOG.warn("OPC UA: mirroring a value failed", e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.debug("OPC UA: stopping; update not mirrored");
    }
  }

  /**
   * Reads the cameras' status, the device metrics and the armed switches into the address space.
   */
  private void refresh() {
    try {
      long now = System.currentTimeMillis();
      Map<String, Object> metrics = new HashMap<>();
      for (MetricsProvider provider : metricsProviders) {
        try {
          metrics.putAll(provider.metrics());
        } catch (RuntimeException e) {
          LOG.debug("metrics provider {} failed: {}", provider, e.toString());
        }
      }
      mirror.metrics(metrics, now);
      List<CameraStatus> statuses = new ArrayList<>();
      for (CameraStatusProvider provider : cameraProviders) {
        try {
          statuses.add(provider.cameraStatus());
        } catch (RuntimeException e) {
          LOG.debug("camera status provider {} failed: {}", provider, e.toString());
        }
      }
      mirror.cameras(statuses, now);
      CameraControl c = control;
      if (c != null) {
        for (String cameraId : server.namespace().cameraIds()) {
          mirror.armed(cameraId, c.armed(cameraId), now);
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("OPC UA: refresh failed", e);
    }
  }

  @Override
  public long resetCounters(String cameraId) {
    CameraControl c = control;
    if (c == null) {
      return StatusCodes.Bad_NotSupported;
    }
    CompletableFuture<Void> zeroed = new CompletableFuture<>();
    // The analytics completes the reset on the camera's pipeline thread before it publishes any
    // later count
    // summary, and the sums are zeroed on the mirror thread in that same order: no count is lost or
    // doubled.
    c.resetCounters(cameraId)
        .whenComplete(
            (done, error) -> {
              if (error != null) {
                zeroed.completeExceptionally(error);
                return;
              }
              run(
                  () -> {
                    mirror.zeroCounts(cameraId, System.currentTimeMillis());
                    zeroed.complete(null);
                  });
            });
    LOG.info("OPC UA: counters of camera {} reset by a client", cameraId);
    return await(zeroed);
  }

  @Override
  public long setArmed(String cameraId, boolean armed, String requestedBy) {
    CameraControl c = control;
    if (c == null) {
      return StatusCodes.Bad_NotSupported;
    }
    // The analytics sends the change upstream as an armed/disarmed event of alarm priority.
    c.setArmed(cameraId, armed, requestedBy);
    LOG.warn("OPC UA: camera {} {} by {}", cameraId, armed ? "armed" : "disarmed", requestedBy);
    CompletableFuture<Void> shown = new CompletableFuture<>();
    run(
        () -> {
          mirror.armed(cameraId, c.armed(cameraId), System.currentTimeMillis());
          shown.complete(null);
        });
    return await(shown);
  }

  private static long await(CompletableFuture<Void> done) {
    try {
      done.get(METHOD_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      return CameraMethodHandlers.GOOD;
    } catch (TimeoutException e) {
      return StatusCodes.Good_CompletesAsynchronously;
    } catch (ExecutionException e) {
      LOG.warn("OPC UA: method failed", e.getCause());
      return StatusCodes.Bad_InternalError;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return StatusCodes.Bad_Shutdown;
    }
  }

  WatchpostServer server() {
    return server;
  }

  @Deactivate
  void deactivate() {
    if (server == null) {
      return;
    }
    mirrorThread.shutdown();
    try {
      if (!mirrorThread.awaitTermination(5, TimeUnit.SECONDS)) {
        mirrorThread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
    if (dropped.get() > 0) {
      LOG.warn("OPC UA: {} updates were dropped while the mirror was behind", dropped.get());
    }
  }
}
