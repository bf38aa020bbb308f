// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.event.Priority;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.Response;
import org.watchpost.models.packaging.Rejection;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.models.protocol.ModelProtocol.Status;

/**
 * The package transfer in progress (one at a time): started by a signed PUT package, resumable
 * across restarts from the {@link IncomingStore}, over MQTT (chunks asked for by notification, each
 * block checked against the signed hash list) or HTTPS (on a download thread of its own), bounded
 * by a deadline, cancellable. A complete transfer goes to the installer.
 *
 * <p>Threads: {@link #job} and the timers are the worker's ({@link WorkQueue#checkWorker()} on
 * entry); the HTTPS download runs on {@code models-download} with the job it was started for and
 * only hands results back to the worker (its progress notifications read that job's own counters).
 */
final class TransferJob {
  private static final Logger LOG = LoggerFactory.getLogger(TransferJob.class);
  private static final long PROGRESS_STEP_PERCENT = 10;

  private final ModelsSettings settings;
  private final IncomingStore incoming;
  private final HttpsDownload https;
  private final ExecutorService downloader =
      Executors.newSingleThreadExecutor(r -> WorkQueue.thread(r, "models-download"));
  private final WorkQueue work;
  private final Pointer pointer;
  private final Notifier notifier;
  private final Snapshot snapshot;
  private final Refusals refusals;

  /**
   * Verifies, installs and validates a complete transfer (the {@link Installer}); queued on the
   * worker.
   */
  private final Runnable install;

  private Job job;
  private ScheduledFuture<?> deadlineCheck;
  private ScheduledFuture<?> chunkTimeout;

  /** The job in progress. */
  static final class Job {
    final TransferRecord record;
    Status status = Status.DOWNLOADING;

    /** Bytes appended in order (not all forced yet). */
    long written;

    long lastCommitNanos = System.nanoTime();
    long lastProgressPercent = -1;
    final Map<Long, Long> outstanding = new HashMap<>();

    /** Requests outstanding, sized from the measured bandwidth and round trip. */
    ChunkWindow window;

    final TreeMap<Long, byte[]> early = new TreeMap<>();
    Future<?> download;

    /** MQTT: the signed SHA-256 of every block, 32 bytes each. */
    byte[] hashes;

    Job(TransferRecord record) {
      this.record = record;
      this.written = record.offset;
    }
  }

  TransferJob(
      ModelsSettings settings,
      IncomingStore incoming,
      WorkQueue work,
      Pointer pointer,
      Notifier notifier,
      Snapshot snapshot,
      Refusals refusals,
      Runnable install) {
    this.settings = settings;
    this.incoming = incoming;
    this.https = new HttpsDownload(settings);
    this.work = work;
    this.pointer = pointer;
    this.notifier = notifier;
    this.snapshot = snapshot;
    this.refusals = refusals;
    this.install = install;
  }

  /** The job in progress; null when none. Worker only. */
  Job current() {
    work.checkWorker();
    return job;
  }

  /** Goes on with a transfer or installation the last run left unfinished. */
  void resume() throws IOException {
    work.checkWorker();
    DeviceState state = pointer.state();
    for (TransferRecord record : incoming.all()) {
      if (job == null
          && record.job != null
          && ModelProtocol.JOB_ID_FORM.matcher(record.job).matches()
          && record.deadlineMillis > 0
          && System.currentTimeMillis() >= record.deadlineMillis) {
        String reason =
            "transfer not finished by its deadline "
                + java.time.Instant.ofEpochMilli(record.deadlineMillis)
                + "; abandoned after the restart";
        LOG.warn("job {}: {}", record.job, reason);
        state.record(
            Pointer.history(
                record.job, null, "rejected", Rejection.TIMED_OUT.code() + ": " + reason));
        pointer.write();
        incoming.delete(record.job);
        notifier.status(
            record.requester, record.job, Status.FAILED, null, Rejection.TIMED_OUT, reason);
      } else if (job == null
          && record.job != null
          && ModelProtocol.JOB_ID_FORM.matcher(record.job).matches()
          && (record.blockSize == 0 || loadHashes(record) != null)) {
        incoming.truncate(record);
        job = new Job(record);
        job.hashes = loadHashes(record);
        LOG.info("resuming job {} at {} of {} bytes", record.job, record.offset, record.size);
        continueJob();
      } else {
        incoming.delete(record.job);
      }
    }
  }

  /** PUT package, signed: starts a job, or resumes the one for the same package. */
  Response start(Request request, boolean rollbackToken) throws IOException {
    work.checkWorker();
    DeviceState state = pointer.state();
    String jobId = request.stringMetric(ModelProtocol.JOB_ID);
    String sha = request.stringMetric(ModelProtocol.PACKAGE_SHA256);
    Long size = request.longMetric(ModelProtocol.PACKAGE_SIZE);
    String transport = request.stringMetric(ModelProtocol.TRANSPORT);
    if (jobId == null || !ModelProtocol.JOB_ID_FORM.matcher(jobId).matches()) {
      return Response.error(400, "job.id must be 1..64 characters of [A-Za-z0-9._-]");
    }
    if (sha == null || !sha.matches("[0-9a-f]{64}") || size == null || size <= 0) {
      return Response.error(
          400, "package.sha256 (64 hex digits) and package.size (> 0) are required");
    }
    if (size > settings.limits().maxPackageBytes()) {
      String message =
          "package of "
              + size
              + " bytes exceeds the limit of "
              + settings.limits().maxPackageBytes();
      notifier.status(
          request.requesterClientId(), jobId, Status.FAILED, null, Rejection.TOO_LARGE, message);
      return Response.error(400, Rejection.TOO_LARGE.code() + ": " + message);
    }
    if (!ModelProtocol.TRANSPORT_MQTT.equals(transport)
        && !ModelProtocol.TRANSPORT_HTTPS.equals(transport)) {
      return Response.error(400, "transport must be mqtt or https");
    }
    String url = request.stringMetric(ModelProtocol.URL);
    if (ModelProtocol.TRANSPORT_HTTPS.equals(transport)
        && (url == null || !url.startsWith("https://"))) {
      return Response.error(400, "an https transfer needs an https:// url");
    }
    Long blockSize = request.longMetric(ModelProtocol.BLOCK_SIZE);
    byte[] hashes = request.body();
    if (ModelProtocol.TRANSPORT_MQTT.equals(transport)) {
      if (blockSize == null
          || blockSize < ModelProtocol.MIN_BLOCK_SIZE
          || blockSize > ModelProtocol.MAX_BLOCK_SIZE) {
        return Response.error(
            400,
            "an mqtt transfer needs "
                + ModelProtocol.BLOCK_SIZE
                + " ("
                + ModelProtocol.MIN_BLOCK_SIZE
                + ".."
                + ModelProtocol.MAX_BLOCK_SIZE
                + ") and the blocks' SHA-256 as body");
      }
      long blocks = (size + blockSize - 1) / blockSize;
      if (blocks > ModelProtocol.MAX_BLOCKS || hashes == null || hashes.length != blocks * 32) {
        return Response.error(
            400,
            "the body must hold the SHA-256 of each of the "
                + blocks
                + " blocks of "
                + blockSize
                + " bytes (at most "
                + ModelProtocol.MAX_BLOCKS
                + " blocks)");
      }
    }
    if (state.active != null && sha.equals(state.active.packageSha256) && state.probation == null) {
      Map<String, Object> m = new LinkedHashMap<>(snapshot.get());
      m.put(ModelProtocol.STATUS, Status.COMPLETED.name());
      notifier.status(
          request.requesterClientId(),
          jobId,
          Status.COMPLETED,
          state.active,
          null,
          "already active");
      return Response.ok(m);
    }
    if (state.probation != null) {
      return Response.error(
          409,
          "model "
              + state.active
              + " is in probation until "
              + java.time.Instant.ofEpochMilli(state.probation.untilMillis)
              + "; try again after it");
    }
    if (job != null && !job.record.sha256.equals(sha)) {
      return Response.error(409, "busy with job " + job.record.job + " (" + job.status + ")");
    }
    if (job != null) {
      job.record.requester = request.requesterClientId();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(ModelProtocol.JOB_ID, job.record.job);
      m.put(ModelProtocol.OFFSET, job.record.offset);
      m.put(ModelProtocol.STATUS, job.status.name());
      if (job.status == Status.DOWNLOADING
          && ModelProtocol.TRANSPORT_MQTT.equals(job.record.transport)) {
        job.outstanding.clear();
        if (job.window != null) {
          job.window.forget();
        }
        requestChunks();
      }
      return Response.ok(m);
    }
    TransferRecord fresh = new TransferRecord();
    fresh.job = jobId;
    fresh.requester = request.requesterClientId();
    fresh.transport = transport;
    fresh.url = url;
    fresh.sha256 = sha;
    fresh.size = size;
    fresh.activate = !Boolean.FALSE.equals(request.metrics().get(ModelProtocol.ACTIVATE));
    fresh.startedMillis = System.currentTimeMillis();
    fresh.deadlineMillis = fresh.startedMillis + settings.transferDeadline().toMillis();
    fresh.rollbackToken = rollbackToken;
    fresh.blockSize = ModelProtocol.TRANSPORT_MQTT.equals(transport) ? blockSize.intValue() : 0;
    TransferRecord record = incoming.open(fresh);
    // A record resumed from an earlier PUT keeps its block size; the hash list of this signed PUT
    // replaces it only
    // when it describes the same blocks.
    if (record.blockSize == fresh.blockSize && hashes != null && fresh.blockSize > 0) {
      incoming.saveHashes(jobId, hashes);
    }
    record.rollbackToken = rollbackToken;
    incoming.save(record);
    job = new Job(record);
    job.hashes = record.blockSize > 0 ? loadHashes(record) : null;
    if (record.blockSize > 0 && job.hashes == null) {
      job = null;
      incoming.delete(jobId);
      return Response.error(
          409, "job " + jobId + " was started with another block size; start it again");
    }
    LOG.info("job {}: {} bytes over {}, from offset {}", jobId, size, transport, job.record.offset);
    continueJob();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(ModelProtocol.JOB_ID, jobId);
    m.put(ModelProtocol.OFFSET, job.record.offset);
    m.put(ModelProtocol.STATUS, job.status.name());
    return Response.ok(m);
  }

  private byte[] loadHashes(TransferRecord record) throws IOException {
    if (record.blockSize <= 0) {
      return null;
    }
    long blocks = (record.size + record.blockSize - 1) / record.blockSize;
    byte[] h = incoming.readHashes(record.job, ModelProtocol.MAX_BLOCKS * 32);
    return h != null && h.length == blocks * 32 ? h : null;
  }

  private void continueJob() {
    snapshot.publish();
    scheduleDeadline();
    if (job.record.complete()) {
      work.internal(install);
    } else if (ModelProtocol.TRANSPORT_HTTPS.equals(job.record.transport)) {
      Job current = job;
      current.download = downloader.submit(() -> download(current));
    } else {
      long aligned = job.record.offset - job.record.offset % Math.max(1, job.record.blockSize);
      if (aligned != job.record.offset) {
        try {
          job.record.offset = aligned;
          incoming.truncate(job.record);
          job.written = aligned;
        } catch (IOException e) {
          finish(
              Status.FAILED,
              null,
              Rejection.TRUNCATED,
              "cannot store the transfer: " + e.getMessage(),
              false);
          return;
        }
      }
      requestChunks();
    }
  }

  private void scheduleDeadline() {
    if (deadlineCheck != null) {
      deadlineCheck.cancel(false);
    }
    if (job.record.deadlineMillis <= 0) {
      job.record.deadlineMillis =
          Math.max(job.record.startedMillis, 0) + settings.transferDeadline().toMillis();
    }
    long left = Math.max(0, job.record.deadlineMillis - System.currentTimeMillis());
    Job current = job;
    deadlineCheck =
        work.schedule(
            () ->
                work.internal(
                    () -> {
                      if (job == current && (job.status == Status.DOWNLOADING)) {
                        String reason =
                            "transfer not finished within "
                                + settings.transferDeadline().toSeconds()
                                + " s ("
                                + job.record.offset
                                + " of "
                                + job.record.size
                                + " bytes)";
                        LOG.warn("job {}: {}; abandoned", job.record.job, reason);
                        finish(Status.FAILED, null, Rejection.TIMED_OUT, reason, false);
                      }
                    }),
            left);
  }

  /** EXEC cancel, signed: ends the download in progress. */
  Response cancel(Request request) {
    work.checkWorker();
    String jobId = request.stringMetric(ModelProtocol.JOB_ID);
    if (job == null || jobId != null && !jobId.equals(job.record.job)) {
      return Response.error(
          409, job == null ? "no job in progress" : "the job in progress is " + job.record.job);
    }
    if (job.status != Status.DOWNLOADING) {
      return Response.error(
          409, "job " + job.record.job + " is " + job.status + "; it can no longer be cancelled");
    }
    String id = job.record.job;
    finish(
        Status.FAILED,
        null,
        Rejection.CANCELLED,
        "cancelled by "
            + (request.requesterClientId() == null ? "the console" : request.requesterClientId()),
        false);
    Map<String, Object> m = new LinkedHashMap<>(snapshot.get());
    m.put(ModelProtocol.JOB_ID, id);
    m.put(ModelProtocol.STATUS, Status.FAILED.name());
    return Response.ok(m);
  }

  // ------------------------------------------------------------------ HTTPS transfer (download
  // thread)

  private void download(Job current) {
    Duration left =
        Duration.ofMillis(Math.max(1, current.record.deadlineMillis - System.currentTimeMillis()));
    RetryPolicy<Object> retry =
        RetryPolicy.builder()
            .handle(IOException.class)
            .withMaxDuration(left)
            .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60))
            .withJitter(0.2)
            .withMaxAttempts(settings.transferAttempts())
            .onRetry(
                e ->
                    LOG.warn(
                        "job {}: download attempt {} failed ({}); resuming",
                        current.record.job,
                        e.getAttemptCount(),
                        String.valueOf(e.getLastException())))
            .build();
    try {
      Failsafe.with(retry)
          .run(
              () -> {
                current.record.attempt++;
                https.fetch(current.record, incoming, offset -> progress(current, offset));
              });
      work.internal(install);
    } catch (FailsafeException e) {
      if (e.getCause() instanceof InterruptedException) {
        return;
      }
      if (e.getCause() instanceof HttpsDownload.UrlRefused refused) {
        // The detail (which address, why) stays in the device log: sent back, it would map the
        // site's network.
        refusals.urlsRefused.incrementAndGet();
        refusals.last("job " + current.record.job + ": package URL refused");
        LOG.warn("job {}: package URL refused: {}", current.record.job, refused.getMessage());
        work.internal(
            () ->
                finish(
                    Status.FAILED,
                    null,
                    Rejection.URL_REFUSED,
                    "the package URL is not one this device may fetch",
                    false));
        return;
      }
      LOG.warn("job {}: download failed: {}", current.record.job, String.valueOf(e.getCause()));
      String message =
          "download failed after "
              + current.record.attempt
              + " attempts: "
              + (e.getCause() instanceof HttpsDownload.ServerProblem p
                  ? p.getMessage()
                  : "no complete answer from the server (the device log has the cause)");
      work.internal(() -> finish(Status.FAILED, null, Rejection.TRUNCATED, message, false));
    }
  }

  /**
   * Called on the worker (MQTT chunks) or the download thread (HTTPS); the snapshot is made on the
   * worker.
   */
  private void progress(Job current, long offset) {
    work.internal(snapshot::publish);
    long percent = current.record.size == 0 ? 100 : offset * 100 / current.record.size;
    if (percent / PROGRESS_STEP_PERCENT != current.lastProgressPercent / PROGRESS_STEP_PERCENT) {
      current.lastProgressPercent = percent;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(ModelProtocol.JOB_ID, current.record.job);
      m.put(ModelProtocol.STATUS, Status.DOWNLOADING.name());
      m.put(ModelProtocol.PROGRESS, (int) percent);
      m.put(ModelProtocol.OFFSET, offset);
      notifier.send(current.record.requester, ModelProtocol.NOTIFY_INSTALL, m, Priority.HEALTH, 0);
    }
  }

  // ------------------------------------------------------------------ MQTT transfer (worker)

  /** The link is up again: chunks asked for on the old one are asked for again. */
  void linkUp() {
    work.checkWorker();
    if (job != null
        && job.status == Status.DOWNLOADING
        && ModelProtocol.TRANSPORT_MQTT.equals(job.record.transport)) {
      job.outstanding.clear();
      if (job.window != null) {
        job.window.forget();
      }
      requestChunks();
    }
  }

  private void requestChunks() {
    if (job == null || job.status != Status.DOWNLOADING) {
      return;
    }
    long next = job.written;
    int step = requestBytes();
    for (long o : job.outstanding.keySet()) {
      next = Math.max(next, o + step);
    }
    for (long o : job.early.keySet()) {
      next = Math.max(next, o + job.early.get(o).length);
    }
    if (job.window == null) {
      job.window = new ChunkWindow(settings.chunksInFlight());
    }
    int inFlight = job.window.size(step);
    while (job.outstanding.size() < inFlight && next < job.record.size) {
      int length = (int) Math.min(step, job.record.size - next);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(ModelProtocol.JOB_ID, job.record.job);
      m.put(ModelProtocol.OFFSET, next);
      m.put(ModelProtocol.LENGTH, length);
      // Above bulk and counts, below alarms (the uplink sends a request for a reply before
      // everything but an
      // alarm while the downlink has room): a request that waits on a slow uplink leaves the
      // downlink idle.
      if (!notifier.send(
          job.record.requester,
          ModelProtocol.NOTIFY_CHUNK,
          m,
          Priority.EVENT,
          length + ModelManager.CHUNK_OVERHEAD_BYTES)) {
        break;
      }
      long asked = System.nanoTime();
      job.outstanding.put(next, asked);
      job.window.asked(next, asked);
      next += length;
    }
    scheduleChunkTimeout();
  }

  /**
   * Bytes asked for at once: whole blocks of the signed hash list, about the configured chunk size.
   */
  private int requestBytes() {
    int block = Math.max(1, job.record.blockSize);
    return Math.max(1, settings.chunkBytes() / block) * block;
  }

  private void scheduleChunkTimeout() {
    if (chunkTimeout != null) {
      chunkTimeout.cancel(false);
    }
    long millis = settings.chunkTimeout().toMillis();
    chunkTimeout =
        work.schedule(
            () ->
                work.internal(
                    () -> {
                      if (job == null
                          || job.status != Status.DOWNLOADING
                          || job.outstanding.isEmpty()) {
                        return;
                      }
                      long oldest =
                          job.outstanding.values().stream()
                              .mapToLong(Long::longValue)
                              .min()
                              .orElse(System.nanoTime());
                      if (System.nanoTime() - oldest >= TimeUnit.MILLISECONDS.toNanos(millis)) {
                        LOG.info(
                            "job {}: no chunk for {} s; asking again from {}",
                            job.record.job,
                            millis / 1000,
                            job.written);
                        job.outstanding.clear();
                        if (job.window != null) {
                          job.window.forget();
                        }
                      }
                      requestChunks();
                    }),
            millis);
  }

  /**
   * A chunk is written only when every block in it has the SHA-256 the signed PUT package listed;
   * anything else (a third client's injection, a corrupted or misaligned chunk) is dropped and
   * counted, and the chunk is still awaited from the console. The sender's own {@code chunk.sha256}
   * proves nothing and is not relied on.
   */
  void chunk(Request request) {
    work.checkWorker();
    String jobId = request.stringMetric(ModelProtocol.JOB_ID);
    Long offset = request.longMetric(ModelProtocol.OFFSET);
    byte[] body = request.body();
    if (job == null
        || !job.record.job.equals(jobId)
        || job.status != Status.DOWNLOADING
        || offset == null
        || body == null
        || job.hashes == null) {
      refusals.chunksDropped.incrementAndGet();
      return;
    }
    if (offset < job.written
        || body.length == 0
        || offset + body.length > job.record.size
        || body.length > Math.max(settings.chunkBytes(), job.record.blockSize)) {
      refusals.chunksDropped.incrementAndGet();
      return;
    }
    String mismatch = verifyBlocks(offset, body);
    if (mismatch != null) {
      refusals.chunksRejected.incrementAndGet();
      refusals.last("chunk of job " + jobId + ": " + mismatch);
      LOG.warn("job {}: chunk at {} refused: {}", jobId, offset, mismatch);
      snapshot.publish();
      return;
    }
    job.outstanding.remove(offset);
    if (job.window != null) {
      job.window.arrived(offset, body.length, System.nanoTime());
    }
    if (offset > job.written) {
      if (job.early.size() < ChunkWindow.MAX_IN_FLIGHT * 2) {
        job.early.put(offset, body);
      }
      return;
    }
    try {
      incoming.append(job.record, offset, body, body.length);
      job.written += body.length;
      while (!job.early.isEmpty() && job.early.firstKey() <= job.written) {
        Map.Entry<Long, byte[]> e = job.early.pollFirstEntry();
        if (e.getKey() == job.written) {
          incoming.append(job.record, e.getKey(), e.getValue(), e.getValue().length);
          job.written += e.getValue().length;
        }
      }
      boolean done = job.written >= job.record.size;
      if (done
          || job.written - job.record.offset >= 64 * 1024
          || System.nanoTime() - job.lastCommitNanos >= 1_000_000_000L) {
        incoming.commit(job.record, job.written);
        job.lastCommitNanos = System.nanoTime();
        progress(job, job.written);
      }
      if (done) {
        install.run();
      } else {
        requestChunks();
      }
    } catch (IOException e) {
      finish(
          Status.FAILED,
          null,
          Rejection.TRUNCATED,
          "cannot store the transfer: " + e.getMessage(),
          false);
    }
  }

  /**
   * @return null when every block of the chunk matches the signed hash list, else why not
   */
  private String verifyBlocks(long offset, byte[] body) {
    int block = job.record.blockSize;
    if (offset % block != 0) {
      return "offset " + offset + " is not on a block boundary of " + block;
    }
    boolean last = offset + body.length == job.record.size;
    if (body.length % block != 0 && !last) {
      return body.length + " bytes is not a whole number of blocks";
    }
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (int at = 0; at < body.length; at += block) {
        digest.update(body, at, Math.min(block, body.length - at));
        byte[] actual = digest.digest();
        int index = (int) ((offset + at) / block);
        if (!java.util.Arrays.equals(actual, 0, 32, job.hashes, index * 32, index * 32 + 32)) {
          return "block " + index + " does not have the SHA-256 the signed package listed";
        }
      }
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    return null;
  }

  // ------------------------------------------------------------------ end of a job (worker)

  /**
   * Ends the job: its transfer deleted, a failure in the history, the requester told (unless
   * quiet).
   */
  void finish(
      Status status, DeviceState.Installed model, Rejection reason, String message, boolean quiet) {
    work.checkWorker();
    if (job == null) {
      return;
    }
    TransferRecord record = job.record;
    if (job.download != null) {
      job.download.cancel(true);
    }
    job = null;
    try {
      incoming.delete(record.job);
      if (status == Status.FAILED) {
        pointer
            .state()
            .record(
                Pointer.history(
                    record.job,
                    model,
                    "rejected",
                    (reason != null ? reason.code() + ": " : "") + message));
        pointer.write();
      }
    } catch (IOException e) {
      LOG.error("cannot clean up job {}: {}", record.job, e.getMessage());
    }
    if (!quiet || status == Status.PROBATION) {
      notifier.status(record.requester, record.job, status, model, reason, message);
    }
    snapshot.publish();
  }

  /** Stops a download in progress (the manager is stopping). */
  void close() {
    https.close();
    downloader.shutdownNow();
  }
}
