// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model manager's one worker thread ({@code models-worker}) and its timer ({@code
 * models-timer}): every state change of the manager's units runs on the worker, and {@link
 * #checkWorker()} says so in code. Other threads hand work over: requests with {@link #call}
 * (bounded by {@code work.queue}, answered within a timeout), chunks with {@link #offer}, the
 * units' own follow-ups with {@link #internal} (a reserve requests cannot take), timers with {@link
 * #schedule} (which only hand over to the worker when they fire).
 */
final class WorkQueue {
  private static final Logger LOG = LoggerFactory.getLogger(WorkQueue.class);

  /**
   * Room in the work queue kept for the manager's own work (timers, progress) beyond what requests
   * may fill.
   */
  private static final int INTERNAL_RESERVE = 64;

  private final int requestQueue;
  private final ThreadPoolExecutor worker;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> thread(r, "models-timer"));
  private volatile Thread workerThread;

  /** The work queue is full: the request was not queued. */
  static final class Busy extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Busy(String message) {
      super(message, null, false, false);
    }
  }

  WorkQueue(int requestQueue) {
    this.requestQueue = requestQueue;
    this.worker =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(requestQueue + INTERNAL_RESERVE),
            r -> {
              Thread t = thread(r, "models-worker");
              workerThread = t;
              return t;
            });
  }

  static Thread thread(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * @throws IllegalStateException when called from any thread but the worker
   */
  void checkWorker() {
    Thread w = workerThread;
    if (w != Thread.currentThread()) {
      throw new IllegalStateException(
          "model manager state is confined to models-worker, touched from "
              + Thread.currentThread().getName());
    }
  }

  /**
   * Runs the task on the worker and waits for it; {@link Busy} when the requests already waiting
   * fill the queue.
   */
  <T> T call(Callable<T> task, int timeoutSeconds) {
    if (worker.getQueue().size() >= requestQueue) {
      throw new Busy(
          "the model manager is busy (" + worker.getQueue().size() + " queued); try again");
    }
    Future<T> future;
    try {
      future = worker.submit(task);
    } catch (RejectedExecutionException e) {
      throw new Busy("the model manager is busy; try again");
    }
    try {
      return future.get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new IllegalStateException(cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the model manager is busy; try again", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * Queues a task unless the requests already waiting fill the queue; false when it was not queued.
   */
  boolean offer(Runnable task) {
    if (worker.getQueue().size() >= requestQueue) {
      return false;
    }
    try {
      worker.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** The manager's own work; it has a reserve in the queue that requests cannot take. */
  void internal(Runnable task) {
    try {
      worker.execute(task);
    } catch (RejectedExecutionException e) {
      if (!worker.isShutdown()) {
        LOG.error("model manager queue full; internal task dropped");
      }
    }
  }

  /** A one-shot timer; none once the manager is closing (the work it would do ends with it). */
  ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
    try {
      return timer.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      return null;
    }
  }

  /** A periodic timer; none once the manager is closing. */
  ScheduledFuture<?> every(Runnable task, long periodMillis) {
    try {
      return timer.scheduleAtFixedRate(task, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      return null;
    }
  }

  int queued() {
    return worker.getQueue().size();
  }

  void stopTimer() {
    timer.shutdownNow();
  }

  /** Lets queued work finish (at most 10 s), then stops the worker. */
  void close() {
    worker.shutdown();
    try {
      worker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    worker.shutdownNow();
  }
}
