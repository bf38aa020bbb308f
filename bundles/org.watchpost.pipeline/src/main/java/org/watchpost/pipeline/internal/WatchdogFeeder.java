// SPDX-License-Identifier: Apache-2.0
package org.watchpost.pipeline.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd that the runtime is up ({@code READY=1}, once the framework has started) and feeds
 * its watchdog ({@code WATCHDOG=1} every half {@code WATCHDOG_USEC}) only while every camera's
 * pipeline goes round its loop: a pipeline stuck in a stage for {@code wedgedAfter} stops the pings
 * and systemd restarts the service. A camera without signal is not stuck (its loop goes on waiting
 * for frames; NO_SIGNAL reports it).
 */
final class WatchdogFeeder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchdogFeeder.class);

  /** How often readiness is checked while the framework starts and no watchdog is asked for. */
  private static final long READY_POLL_MILLIS = 500;

  private final SystemdNotify notify;
  private final long pingNanos;
  private final long wedgedAfterNanos;
  private final Supplier<Collection<PipelineProgress>> pipelines;
  private final BooleanSupplier started;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "watchpost-systemd");
            thread.setDaemon(true);
            return thread;
          });
  private boolean ready;
  private List<String> lastWedged = List.of();

  private WatchdogFeeder(
      SystemdNotify notify,
      long pingNanos,
      Duration wedgedAfter,
      Supplier<Collection<PipelineProgress>> pipelines,
      BooleanSupplier started) {
    this.notify = notify;
    this.pingNanos = pingNanos;
    this.wedgedAfterNanos = wedgedAfter.toNanos();
    this.pipelines = pipelines;
    this.started = started;
  }

  /**
   * Starts feeding when the environment names a notify socket (the service runs under systemd with
   * {@code Type=notify}); null otherwise. The watchdog is fed only when {@code WATCHDOG_USEC} is
   * set and {@code WATCHDOG_PID}, when set, is this process.
   */
  static WatchdogFeeder start(
      Map<String, String> env,
      String command,
      Duration wedgedAfter,
      Supplier<Collection<PipelineProgress>> pipelines,
      BooleanSupplier started) {
    String socket = env.get("NOTIFY_SOCKET");
    if (socket == null || socket.isBlank()) {
      return null;
    }
    long pingNanos = 0;
    String usec = env.get("WATCHDOG_USEC");
    String pid = env.get("WATCHDOG_PID");
    if (usec != null && (pid == null || pid.equals(Long.toString(ProcessHandle.current().pid())))) {
      try {
        pingNanos = Long.parseLong(usec.strip()) * 1000 / 2;
      } catch (NumberFormatException e) {
        LOG.warn("WATCHDOG_USEC is not a number ('{}'); the systemd watchdog is not fed", usec);
      }
    }
    WatchdogFeeder feeder =
        new WatchdogFeeder(
            new SystemdNotify(command, socket),
            Math.max(0, pingNanos),
            wedgedAfter,
            pipelines,
            started);
    long period =
        pingNanos > 0
            ? Math.min(pingNanos, READY_POLL_MILLIS * 1_000_000L)
            : READY_POLL_MILLIS * 1_000_000L;
    feeder.timer.scheduleWithFixedDelay(feeder::tick, 0, period, TimeUnit.NANOSECONDS);
    LOG.info(
        "systemd: notify socket set; {}",
        pingNanos > 0
            ? "watchdog fed every "
                + pingNanos / 1_000_000
                + " ms while no camera is stuck for "
                + wedgedAfter.toSeconds()
                + " s"
            : "no watchdog asked for");
    return feeder;
  }

  private long lastPing;

  private void tick() {
    try {
      long now = System.nanoTime();
      if (!ready) {
        if (!started.getAsBoolean()) {
          return;
        }
        ready = notify.send("READY=1", "STATUS=running");
        lastPing = now - pingNanos;
        if (ready) {
          LOG.info("systemd: told ready");
        }
      }
      if (!ready || pingNanos == 0 || now - lastPing < pingNanos) {
        return;
      }
      List<String> wedged =
          pipelines.get().stream()
              .filter(p -> p.wedged(now, wedgedAfterNanos))
              .map(PipelineProgress::cameraId)
              .sorted()
              .toList();
      if (!wedged.equals(lastWedged)) {
        if (wedged.isEmpty()) {
          LOG.info("systemd: every camera's pipeline makes progress again; watchdog fed");
        } else {
          LOG.error(
              "systemd: the pipeline of camera(s) {} made no progress for {} s; the watchdog is no longer fed, "
                  + "systemd will restart the service",
              wedged,
              wedgedAfterNanos / 1_000_000_000L);
        }
        lastWedged = wedged;
      }
      if (wedged.isEmpty()) {
        lastPing = now;
        notify.send("WATCHDOG=1");
      } else {
        lastPing = now;
        notify.send("STATUS=camera pipeline stuck: " + String.join(", ", wedged));
      }
    } catch (RuntimeException e) {
      LOG.warn("systemd watchdog tick failed", e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    notify.send("STOPPING=1");
  }
}
