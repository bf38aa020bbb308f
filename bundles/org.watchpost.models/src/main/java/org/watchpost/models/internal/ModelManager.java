package org.watchpost.models.internal;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.detect.LoadedModel;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.api.detect.ServingStats;
import org.watchpost.api.event.Priority;
import org.watchpost.api.remote.Notification;
import org.watchpost.api.remote.RemoteChannel;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.Response;
import org.watchpost.models.packaging.ModelPackage;
import org.watchpost.models.packaging.PackageManifest;
import org.watchpost.models.packaging.PackageRejectedException;
import org.watchpost.models.packaging.Rejection;
import org.watchpost.models.packaging.SemanticVersion;
import org.watchpost.models.packaging.TrustedKeys;
import org.watchpost.models.protocol.CommandSignature;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.models.protocol.ModelProtocol.Status;

/**
 * The device's model manager without OSGi: receives packages (HTTPS or MQTT chunks, both resumable), verifies
 * and unpacks them into the candidate slot, validates the candidate beside the active model, activates it
 * through the detector's {@link ModelSwitch} between two frames, watches it in probation and rolls back on
 * failure. Every change of what runs goes through the pointer file first, so a crash at any point leaves a
 * complete, verified model to start from.
 *
 * <p>All state changes run on one worker thread; HTTPS downloads run on a thread of their own; the uplink's
 * request thread only hands work over.
 */
final class ModelManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);
  /** Bytes a chunk message carries besides the chunk: topic, metrics, framing. */
  static final int CHUNK_OVERHEAD_BYTES = 220;
  private static final long PROGRESS_STEP_PERCENT = 10;

  private final ModelsSettings settings;
  private final ModelSwitch modelSwitch;
  private final Supplier<RemoteChannel> channel;
  private final SlotStore slots;
  private final IncomingStore incoming;
  private final StateFile<DeviceState> stateFile;
  private final Validator validator;
  private final HttpsDownload https;
  /** Room in the work queue kept for the manager's own work (timers, progress) beyond what requests may fill. */
  private static final int INTERNAL_RESERVE = 64;
  private final ThreadPoolExecutor worker;
  private final ExecutorService downloader = Executors.newSingleThreadExecutor(r -> thread(r, "models-download"));
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> thread(r, "models-timer"));

  // Worker thread only.
  private TrustedKeys keys;
  private final CommandAuthority authority;
  private final AtomicLong commandsRefused = new AtomicLong();
  private final AtomicLong requestsDropped = new AtomicLong();
  private final AtomicLong chunksDropped = new AtomicLong();
  private final AtomicLong chunksRejected = new AtomicLong();
  private final AtomicLong urlsRefused = new AtomicLong();
  private volatile String lastRefusal = "";
  private volatile int keysSkipped;
  private ScheduledFuture<?> deadlineCheck;
  private DeviceState state;
  private String factoryManifest;
  private LoadedModel previousLoaded;
  private ScheduledFuture<?> probationTicks;
  private Job job;

  private volatile Map<String, Object> snapshot = Map.of();

  /** The job in progress. */
  private static final class Job {
    final TransferRecord record;
    Status status = Status.DOWNLOADING;
    /** Bytes appended in order (not all forced yet). */
    long written;
    long lastCommitNanos = System.nanoTime();
    long lastProgressPercent = -1;
    final Map<Long, Long> outstanding = new HashMap<>();
    final TreeMap<Long, byte[]> early = new TreeMap<>();
    Future<?> download;
    /** MQTT: the signed SHA-256 of every block, 32 bytes each. */
    byte[] hashes;

    Job(TransferRecord record) {
      this.record = record;
      this.written = record.offset;
    }
  }

  ModelManager(ModelsSettings settings, ModelSwitch modelSwitch, Supplier<RemoteChannel> channel) {
    this.settings = settings;
    this.modelSwitch = modelSwitch;
    this.channel = channel;
    this.slots = new SlotStore(settings.stateDir());
    this.incoming = new IncomingStore(settings.stateDir());
    this.stateFile = new StateFile<>(settings.stateDir().resolve("state.json"), DeviceState.class);
    this.validator = new Validator(settings);
    this.https = new HttpsDownload(settings);
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(settings.workQueue() + INTERNAL_RESERVE), r -> thread(r, "models-worker"));
    TrustedKeys consoleKeys = CommandAuthority.loadKeys(settings.consoleKeys());
    this.authority = new CommandAuthority(settings, consoleKeys, () -> {
      RemoteChannel c = channel.get();
      return c == null ? null : c.clientId();
    }, System::currentTimeMillis);
    this.keysSkipped = consoleKeys.skipped().size();
  }

  private static Thread thread(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  // ------------------------------------------------------------------ start: recovery

  /** Recovers from whatever the last run left (see the class comment) and resumes a transfer; waits for it. */
  void start() {
    recover();
    resumeTransfers();
  }

  /** Puts the model the pointer file names in place (or the one before it, or the factory model); waits for it. */
  void recover() {
    call(() -> {
      recoverState();
      return null;
    }, 120);
  }

  /** Goes on with a transfer or installation the last run left unfinished. */
  void resumeTransfers() {
    call(() -> {
      for (TransferRecord record : incoming.all()) {
        if (job == null && record.job != null && ModelProtocol.JOB_ID_FORM.matcher(record.job).matches()
            && record.deadlineMillis > 0 && System.currentTimeMillis() >= record.deadlineMillis) {
          String reason = "transfer not finished by its deadline " + java.time.Instant.ofEpochMilli(record.deadlineMillis)
              + "; abandoned after the restart";
          LOG.warn("job {}: {}", record.job, reason);
          state.record(history(record.job, null, "rejected", Rejection.TIMED_OUT.code() + ": " + reason));
          stateFile.write(state);
          incoming.delete(record.job);
          notifyStatus(record.requester, record.job, Status.FAILED, null, Rejection.TIMED_OUT, reason);
        } else if (job == null && record.job != null && ModelProtocol.JOB_ID_FORM.matcher(record.job).matches()
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
      publishSnapshot();
      return null;
    }, 30);
  }

  private void recoverState() throws IOException {
    try {
      keys = TrustedKeys.load(settings.trustedKeys());
      for (String skipped : keys.skipped()) {
        LOG.error("trusted key skipped: {}", skipped);
      }
      keysSkipped += keys.skipped().size();
    } catch (IOException e) {
      // The recorded model is still put back in place; what cannot be checked is not loaded (factory model).
      LOG.error("trusted keys unreadable: {}", e.getMessage());
      keys = TrustedKeys.of();
    }
    if (keys.isEmpty()) {
      LOG.warn("no trusted keys in {}: every package will be rejected", settings.trustedKeys());
    }
    slots.cleanUp();
    state = stateFile.read();
    LoadedModel running = modelSwitch.active();
    if (state == null) {
      state = new DeviceState();
    }
    // At start the detector runs the model it is configured with: that is the factory model to fall back to.
    if (running != null && !Path.of(running.manifest()).toAbsolutePath().startsWith(
        settings.stateDir().resolve("slots").toAbsolutePath())) {
      state.factoryManifest = running.manifest();
    }
    factoryManifest = state.factoryManifest;
    if (state.probation != null) {
      state.probation.restarts++;
      if (state.probation.restarts > settings.probationMaxRestarts()) {
        String reason = "the device restarted " + state.probation.restarts + " times while " + state.active
            + " was in probation";
        LOG.warn("rolling back: {}", reason);
        state.record(history(state.probation.job, state.active, "rolled_back", reason));
        notifyStatus(state.probation.requester, state.probation.job, Status.ROLLED_BACK, state.active,
            Rejection.PROBATION_FAILED, reason);
        if (state.previous != null && state.active != null && state.active.name != null
            && state.active.name.equals(state.previous.name) && state.previous.version != null) {
          state.floors.put(state.active.name, state.previous.version);
        }
        state.active = state.previous;
        state.previous = null;
        state.probation = null;
      }
    }
    if (state.floors == null) {
      state.floors = new java.util.TreeMap<>();
    }
    if (state.validation == null) {
      state.validation = new java.util.LinkedHashMap<>();
    }
    // A device updated from a firmware without floors starts with the one of the model it runs.
    if (state.active != null && !state.floors.containsKey(state.active.name)) {
      raiseFloor(state.active);
    }
    stateFile.write(state);
    runRecordedModel();
    if (state.probation != null) {
      startProbationTicks();
    }
    publishSnapshot();
  }

  /** Runs the model the pointer names, else the one before it, else the factory model. */
  private void runRecordedModel() throws IOException {
    LoadedModel running = modelSwitch.active();
    for (DeviceState.Installed choice : new DeviceState.Installed[] {state.active, state.previous}) {
      if (choice == null || choice.factory()) {
        break;
      }
      try {
        PackageManifest manifest = slots.verify(choice.slot, keys);
        if (running != null && running.info().equals(new ModelInfo(manifest.name(), manifest.version(),
            manifest.model().sha256())) && running.manifest().equals(slots.manifest(choice.slot).toString())) {
          return;
        }
        LoadedModel loaded = modelSwitch.load(slots.manifest(choice.slot));
        LoadedModel replaced = modelSwitch.activate(loaded);
        if (replaced != null) {
          replaced.close();
        }
        if (choice != state.active) {
          state.record(history(null, state.active, "rolled_back", "slot " + state.active.slot + " failed its check at start"));
          state.active = choice;
          state.previous = null;
          state.probation = null;
          stateFile.write(state);
        }
        LOG.info("running {} from slot {}", choice, choice.slot);
        return;
      } catch (PackageRejectedException | ModelLoadException e) {
        LOG.error("cannot run {}: {}", choice, e.getMessage());
      }
    }
    if (state.active != null && !state.active.factory()) {
      state.record(history(null, state.active, "rolled_back", "no slot passed its check at start; factory model"));
      state.active = null;
      state.previous = null;
      state.probation = null;
      stateFile.write(state);
      if (factoryManifest != null && (running == null || !running.manifest().equals(factoryManifest))) {
        try {
          LoadedModel replaced = modelSwitch.activate(modelSwitch.load(Path.of(factoryManifest)));
          if (replaced != null) {
            replaced.close();
          }
        } catch (ModelLoadException e) {
          LOG.error("the factory model cannot run either: {}", e.getMessage());
        }
      }
    }
  }

  // ------------------------------------------------------------------ requests (uplink thread)

  /**
   * Answers a request on the uplink's request thread. GET is read-only and unsigned (a console must discover its
   * fleet before it can address it); PUT package and every EXEC need a console signature for this device; PUT
   * chunk carries bytes that are checked against the hash list of the signed PUT package.
   */
  Response handle(Request request) {
    String resource = request.resource(0);
    try {
      return switch (request.method() + " " + resource) {
        case "GET models", "GET " -> call(this::describe, 10);
        case "PUT package" -> {
          boolean token = Boolean.TRUE.equals(request.metrics().get(ModelProtocol.ROLLBACK));
          CommandSignature.Claims claims = authorize(request, token);
          yield claims == null ? refusal() : call(() -> startJob(request, token), 30);
        }
        case "PUT chunk" -> {
          if (!submitChunk(request)) {
            chunksDropped.incrementAndGet();
          }
          yield null;
        }
        case "EXEC activate" -> authorize(request, false) == null ? refusal() : call(this::activateCandidate, 120);
        case "EXEC rollback" -> authorize(request, true) == null ? refusal() : call(() -> rollbackByRequest(request), 120);
        case "EXEC cancel" -> authorize(request, false) == null ? refusal() : call(() -> cancel(request), 30);
        default -> Response.error(404, "MODEL-V1 has no " + request.method() + " " + String.join("/", request.resources()));
      };
    } catch (Busy e) {
      requestsDropped.incrementAndGet();
      return Response.error(503, e.getMessage());
    } catch (RuntimeException e) {
      return Response.error(500, e.getMessage());
    }
  }

  /** Text from the network as it may go into a log line or a health metric: short, no control characters. */
  static String printable(String s) {
    if (s == null) {
      return "";
    }
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return cut.replaceAll("[^A-Za-z0-9._:@/-]", "?");
  }

  /** The work queue is full: the request was not queued. */
  private static final class Busy extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Busy(String message) {
      super(message, null, false, false);
    }
  }

  private final ThreadLocal<String> refusal = new ThreadLocal<>();

  /** @return the claims, or null with the reason kept for {@link #refusal()} */
  private CommandSignature.Claims authorize(Request request, boolean deviceScoped) {
    try {
      return authority.authorize(request, deviceScoped);
    } catch (CommandSignature.RefusedException e) {
      commandsRefused.incrementAndGet();
      lastRefusal = request.method() + " " + printable(request.resource(0)) + ": " + e.getMessage();
      LOG.warn("MODEL-V1 {} {} from {} refused: {}", request.method(), printable(request.resource(0)),
          printable(request.requesterClientId()), e.getMessage());
      refusal.set(e.getMessage());
      return null;
    }
  }

  private Response refusal() {
    String reason = refusal.get();
    refusal.remove();
    return Response.error(403, "refused: " + reason);
  }

  /** Queues a chunk unless the requests already waiting fill the queue; a dropped chunk is asked for again. */
  private boolean submitChunk(Request request) {
    if (worker.getQueue().size() >= settings.workQueue()) {
      return false;
    }
    try {
      worker.execute(() -> chunk(request));
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** The manager's own work; it has a reserve in the queue that requests cannot take. */
  private void internal(Runnable task) {
    try {
      worker.execute(task);
    } catch (RejectedExecutionException e) {
      if (!worker.isShutdown()) {
        LOG.error("model manager queue full; internal task dropped");
      }
    }
  }

  void linkUp() {
    internal(() -> {
      if (job != null && job.status == Status.DOWNLOADING && ModelProtocol.TRANSPORT_MQTT.equals(job.record.transport)) {
        job.outstanding.clear();
        requestChunks();
      }
    });
  }

  private <T> T call(Callable<T> task, int timeoutSeconds) {
    if (worker.getQueue().size() >= settings.workQueue()) {
      throw new Busy("the model manager is busy (" + worker.getQueue().size() + " queued); try again");
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

  private Response describe() {
    Map<String, Object> m = new LinkedHashMap<>(snapshot);
    RemoteChannel c = channel.get();
    if (c != null) {
      m.put(ModelProtocol.CLIENT_ID, c.clientId());
    }
    return new Response(200, m, historyJson());
  }

  private byte[] historyJson() {
    return new com.google.gson.Gson().toJson(state.history).getBytes(StandardCharsets.UTF_8);
  }

  private Response startJob(Request request, boolean rollbackToken) throws IOException {
    String jobId = request.stringMetric(ModelProtocol.JOB_ID);
    String sha = request.stringMetric(ModelProtocol.PACKAGE_SHA256);
    Long size = request.longMetric(ModelProtocol.PACKAGE_SIZE);
    String transport = request.stringMetric(ModelProtocol.TRANSPORT);
    if (jobId == null || !ModelProtocol.JOB_ID_FORM.matcher(jobId).matches()) {
      return Response.error(400, "job.id must be 1..64 characters of [A-Za-z0-9._-]");
    }
    if (sha == null || !sha.matches("[0-9a-f]{64}") || size == null || size <= 0) {
      return Response.error(400, "package.sha256 (64 hex digits) and package.size (> 0) are required");
    }
    if (size > settings.limits().maxPackageBytes()) {
      String message = "package of " + size + " bytes exceeds the limit of " + settings.limits().maxPackageBytes();
      notifyStatus(request.requesterClientId(), jobId, Status.FAILED, null, Rejection.TOO_LARGE, message);
      return Response.error(400, Rejection.TOO_LARGE.code() + ": " + message);
    }
    if (!ModelProtocol.TRANSPORT_MQTT.equals(transport) && !ModelProtocol.TRANSPORT_HTTPS.equals(transport)) {
      return Response.error(400, "transport must be mqtt or https");
    }
    String url = request.stringMetric(ModelProtocol.URL);
    if (ModelProtocol.TRANSPORT_HTTPS.equals(transport) && (url == null || !url.startsWith("https://"))) {
      return Response.error(400, "an https transfer needs an https:// url");
    }
    Long blockSize = request.longMetric(ModelProtocol.BLOCK_SIZE);
    byte[] hashes = request.body();
    if (ModelProtocol.TRANSPORT_MQTT.equals(transport)) {
      if (blockSize == null || blockSize < ModelProtocol.MIN_BLOCK_SIZE || blockSize > ModelProtocol.MAX_BLOCK_SIZE) {
        return Response.error(400, "an mqtt transfer needs " + ModelProtocol.BLOCK_SIZE + " ("
            + ModelProtocol.MIN_BLOCK_SIZE + ".." + ModelProtocol.MAX_BLOCK_SIZE + ") and the blocks' SHA-256 as body");
      }
      long blocks = (size + blockSize - 1) / blockSize;
      if (blocks > ModelProtocol.MAX_BLOCKS || hashes == null || hashes.length != blocks * 32) {
        return Response.error(400, "the body must hold the SHA-256 of each of the " + blocks + " blocks of "
            + blockSize + " bytes (at most " + ModelProtocol.MAX_BLOCKS + " blocks)");
      }
    }
    if (state.active != null && sha.equals(state.active.packageSha256) && state.probation == null) {
      Map<String, Object> m = new LinkedHashMap<>(snapshot);
      m.put(ModelProtocol.STATUS, Status.COMPLETED.name());
      notifyStatus(request.requesterClientId(), jobId, Status.COMPLETED, state.active, null, "already active");
      return Response.ok(m);
    }
    if (state.probation != null) {
      return Response.error(409, "model " + state.active + " is in probation until "
          + java.time.Instant.ofEpochMilli(state.probation.untilMillis) + "; try again after it");
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
      if (job.status == Status.DOWNLOADING && ModelProtocol.TRANSPORT_MQTT.equals(job.record.transport)) {
        job.outstanding.clear();
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
    // A record resumed from an earlier PUT keeps its block size; the hash list of this signed PUT replaces it only
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
      return Response.error(409, "job " + jobId + " was started with another block size; start it again");
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
    publishSnapshot();
    scheduleDeadline();
    if (job.record.complete()) {
      internal(this::install);
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
          finishJob(Status.FAILED, null, Rejection.TRUNCATED, "cannot store the transfer: " + e.getMessage(), false);
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
      job.record.deadlineMillis = Math.max(job.record.startedMillis, 0) + settings.transferDeadline().toMillis();
    }
    long left = Math.max(0, job.record.deadlineMillis - System.currentTimeMillis());
    Job current = job;
    deadlineCheck = schedule(() -> internal(() -> {
      if (job == current && (job.status == Status.DOWNLOADING)) {
        String reason = "transfer not finished within " + settings.transferDeadline().toSeconds() + " s ("
            + job.record.offset + " of " + job.record.size + " bytes)";
        LOG.warn("job {}: {}; abandoned", job.record.job, reason);
        finishJob(Status.FAILED, null, Rejection.TIMED_OUT, reason, false);
      }
    }), left);
  }

  /** A one-shot timer; none once the manager is closing (the work it would do ends with it). */
  private ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
    try {
      return timer.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      return null;
    }
  }

  private Response cancel(Request request) {
    String jobId = request.stringMetric(ModelProtocol.JOB_ID);
    if (job == null || jobId != null && !jobId.equals(job.record.job)) {
      return Response.error(409, job == null ? "no job in progress" : "the job in progress is " + job.record.job);
    }
    if (job.status != Status.DOWNLOADING) {
      return Response.error(409, "job " + job.record.job + " is " + job.status + "; it can no longer be cancelled");
    }
    String id = job.record.job;
    finishJob(Status.FAILED, null, Rejection.CANCELLED, "cancelled by " + (request.requesterClientId() == null
        ? "the console" : request.requesterClientId()), false);
    Map<String, Object> m = new LinkedHashMap<>(snapshot);
    m.put(ModelProtocol.JOB_ID, id);
    m.put(ModelProtocol.STATUS, Status.FAILED.name());
    return Response.ok(m);
  }

  // ------------------------------------------------------------------ HTTPS transfer (download thread)

  private void download(Job current) {
    Duration left = Duration.ofMillis(Math.max(1, current.record.deadlineMillis - System.currentTimeMillis()));
    RetryPolicy<Object> retry = RetryPolicy.builder()
        .handle(IOException.class)
        .withMaxDuration(left)
        .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(60))
        .withJitter(0.2)
        .withMaxAttempts(settings.transferAttempts())
        .onRetry(e -> LOG.warn("job {}: download attempt {} failed ({}); resuming", current.record.job,
            e.getAttemptCount(), String.valueOf(e.getLastException())))
        .build();
    try {
      Failsafe.with(retry).run(() -> {
        current.record.attempt++;
        https.fetch(current.record, incoming, offset -> progress(current, offset));
      });
      internal(this::install);
    } catch (FailsafeException e) {
      if (e.getCause() instanceof InterruptedException) {
        return;
      }
      if (e.getCause() instanceof HttpsDownload.UrlRefused refused) {
        // The detail (which address, why) stays in the device log: sent back, it would map the site's network.
        urlsRefused.incrementAndGet();
        lastRefusal = "job " + current.record.job + ": package URL refused";
        LOG.warn("job {}: package URL refused: {}", current.record.job, refused.getMessage());
        internal(() -> finishJob(Status.FAILED, null, Rejection.URL_REFUSED,
            "the package URL is not one this device may fetch", false));
        return;
      }
      LOG.warn("job {}: download failed: {}", current.record.job, String.valueOf(e.getCause()));
      String message = "download failed after " + current.record.attempt + " attempts: "
          + (e.getCause() instanceof HttpsDownload.ServerProblem p ? p.getMessage()
              : "no complete answer from the server (the device log has the cause)");
      internal(() -> finishJob(Status.FAILED, null, Rejection.TRUNCATED, message, false));
    }
  }

  /** Called on the worker (MQTT chunks) or the download thread (HTTPS); the snapshot is made on the worker. */
  private void progress(Job current, long offset) {
    internal(this::publishSnapshot);
    long percent = current.record.size == 0 ? 100 : offset * 100 / current.record.size;
    if (percent / PROGRESS_STEP_PERCENT != current.lastProgressPercent / PROGRESS_STEP_PERCENT) {
      current.lastProgressPercent = percent;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(ModelProtocol.JOB_ID, current.record.job);
      m.put(ModelProtocol.STATUS, Status.DOWNLOADING.name());
      m.put(ModelProtocol.PROGRESS, (int) percent);
      m.put(ModelProtocol.OFFSET, offset);
      send(current.record.requester, ModelProtocol.NOTIFY_INSTALL, m, Priority.HEALTH, 0);
    }
  }

  // ------------------------------------------------------------------ MQTT transfer (worker)

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
    while (job.outstanding.size() < settings.chunksInFlight() && next < job.record.size) {
      int length = (int) Math.min(step, job.record.size - next);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(ModelProtocol.JOB_ID, job.record.job);
      m.put(ModelProtocol.OFFSET, next);
      m.put(ModelProtocol.LENGTH, length);
      if (!send(job.record.requester, ModelProtocol.NOTIFY_CHUNK, m, Priority.BULK, length + CHUNK_OVERHEAD_BYTES)) {
        break;
      }
      job.outstanding.put(next, System.nanoTime());
      next += length;
    }
    scheduleChunkTimeout();
  }

  /** Bytes asked for at once: whole blocks of the signed hash list, about the configured chunk size. */
  private int requestBytes() {
    int block = Math.max(1, job.record.blockSize);
    return Math.max(1, settings.chunkBytes() / block) * block;
  }

  private ScheduledFuture<?> chunkTimeout;

  private void scheduleChunkTimeout() {
    if (chunkTimeout != null) {
      chunkTimeout.cancel(false);
    }
    long millis = settings.chunkTimeout().toMillis();
    chunkTimeout = schedule(() -> internal(() -> {
      if (job == null || job.status != Status.DOWNLOADING || job.outstanding.isEmpty()) {
        return;
      }
      long oldest = job.outstanding.values().stream().mapToLong(Long::longValue).min().orElse(System.nanoTime());
      if (System.nanoTime() - oldest >= TimeUnit.MILLISECONDS.toNanos(millis)) {
        LOG.info("job {}: no chunk for {} s; asking again from {}", job.record.job, millis / 1000, job.written);
        job.outstanding.clear();
      }
      requestChunks();
    }), millis);
  }

  /**
   * A chunk is written only when every block in it has the SHA-256 the signed PUT package listed; anything else
   * (a third client's injection, a corrupted or misaligned chunk) is dropped and counted, and the chunk is still
   * awaited from the console. The sender's own {@code chunk.sha256} proves nothing and is not relied on.
   */
  private void chunk(Request request) {
    String jobId = request.stringMetric(ModelProtocol.JOB_ID);
    Long offset = request.longMetric(ModelProtocol.OFFSET);
    byte[] body = request.body();
    if (job == null || !job.record.job.equals(jobId) || job.status != Status.DOWNLOADING || offset == null
        || body == null || job.hashes == null) {
      chunksDropped.incrementAndGet();
      return;
    }
    if (offset < job.written || body.length == 0 || offset + body.length > job.record.size
        || body.length > Math.max(settings.chunkBytes(), job.record.blockSize)) {
      chunksDropped.incrementAndGet();
      return;
    }
    String mismatch = verifyBlocks(offset, body);
    if (mismatch != null) {
      chunksRejected.incrementAndGet();
      lastRefusal = "chunk of job " + jobId + ": " + mismatch;
      LOG.warn("job {}: chunk at {} refused: {}", jobId, offset, mismatch);
      publishSnapshot();
      return;
    }
    job.outstanding.remove(offset);
    if (offset > job.written) {
      if (job.early.size() < settings.chunksInFlight() * 2) {
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
      if (done || job.written - job.record.offset >= 64 * 1024
          || System.nanoTime() - job.lastCommitNanos >= 1_000_000_000L) {
        incoming.commit(job.record, job.written);
        job.lastCommitNanos = System.nanoTime();
        progress(job, job.written);
      }
      if (done) {
        install();
      } else {
        requestChunks();
      }
    } catch (IOException e) {
      finishJob(Status.FAILED, null, Rejection.TRUNCATED, "cannot store the transfer: " + e.getMessage(), false);
    }
  }

  /** @return null when every block of the chunk matches the signed hash list, else why not */
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

  // ------------------------------------------------------------------ install (worker)

  private void install() {
    if (job == null) {
      return;
    }
    TransferRecord record = job.record;
    job.status = Status.VERIFYING;
    publishSnapshot();
    notifyStatus(record.requester, record.job, Status.VERIFYING, null, null, "");
    Path part = incoming.part(record.job);
    DeviceState.Installed installed;
    PackageManifest manifest;
    String slot;
    try {
      checkTransfer(record, part);
      try (ModelPackage pkg = ModelPackage.open(part, settings.limits(), keys)) {
        manifest = pkg.manifest();
        checkPolicy(manifest, record);
        if (state.active != null && record.sha256.equals(state.active.packageSha256)) {
          finishJob(state.probation != null ? Status.PROBATION : Status.COMPLETED, state.active, null,
              "already active", state.probation != null);
          return;
        }
        slot = state.active == null || state.active.factory() ? SlotStore.A : SlotStore.other(state.active.slot);
        if (state.previous != null && slot.equals(state.previous.slot)) {
          // The slot about to be overwritten can no longer be rolled back to.
          state.previous = null;
          stateFile.write(state);
        }
        if (state.candidate != null && slot.equals(state.candidate.slot)) {
          // The waiting candidate's files are about to be replaced: it can no longer be activated.
          LOG.info("job {}: slot {} replaces the waiting candidate {}", record.job, slot, state.candidate);
          state.candidate = null;
          stateFile.write(state);
        }
        slots.install(pkg, slot);
        CrashPoints.reach("slot-installed");
      }
      installed = new DeviceState.Installed(slot, manifest.name(), manifest.version(), manifest.model().sha256(), record.job);
      installed.packageSha256 = record.sha256;
    } catch (PackageRejectedException e) {
      reject(record, e);
      return;
    } catch (IOException e) {
      finishJob(Status.FAILED, null, Rejection.TRUNCATED, "cannot unpack the package: " + e.getMessage(), false);
      return;
    }
    job.status = Status.VALIDATING;
    publishSnapshot();
    notifyStatus(record.requester, record.job, Status.VALIDATING, installed, null, "");
    LoadedModel candidate;
    try {
      candidate = modelSwitch.load(slots.manifest(slot));
    } catch (ModelLoadException e) {
      recordValidation(record.sha256, "failed: load");
      reject(record, new PackageRejectedException(Rejection.LOAD_FAILED, manifest.name() + " " + manifest.version()
          + " does not load: " + e.getMessage(), e));
      return;
    }
    Validator.Outcome outcome;
    try {
      outcome = validator.validate(candidate, modelSwitch.active(), manifest, slots.manifest(slot).getParent());
    } catch (PackageRejectedException e) {
      candidate.close();
      recordValidation(record.sha256, "failed: " + e.reason().code());
      reject(record, e);
      return;
    }
    recordValidation(record.sha256, PASSED);
    LOG.info("job {}: {} {} validated on {} frames: {} ms per frame, active {} ms", record.job, manifest.name(),
        manifest.version(), outcome.frames(), fmt(outcome.candidateMillis()), fmt(outcome.activeMillis()));
    try {
      if (!record.activate) {
        candidate.close();
        state.candidate = installed;
        stateFile.write(state);
        finishJob(Status.INSTALLED, installed, null, "validated; waiting for EXEC activate", false);
        return;
      }
      activate(candidate, installed, record.job, record.requester, outcome.activeMillis());
      if (record.rollbackToken) {
        // A rollback the console asked for with a token: the floor comes down to it (raising never would).
        state.floors.put(installed.name, installed.version);
        stateFile.write(state);
      }
      finishJob(Status.PROBATION, installed, null, "active, in probation for " + settings.probation().toSeconds() + " s", true);
    } catch (IOException e) {
      candidate.close();
      finishJob(Status.FAILED, null, Rejection.TRUNCATED, "cannot write the pointer file: " + e.getMessage(), false);
    }
  }

  private static final String PASSED = "passed";

  private void recordValidation(String packageSha256, String outcome) {
    state.validated(packageSha256, outcome);
    try {
      stateFile.write(state);
    } catch (IOException e) {
      LOG.error("cannot write the pointer file: {}", e.getMessage());
    }
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private void checkTransfer(TransferRecord record, Path part) throws PackageRejectedException, IOException {
    long size = Files.size(part);
    if (size != record.size) {
      throw new PackageRejectedException(Rejection.TRUNCATED, "transfer holds " + size + " bytes, "
          + record.size + " were announced");
    }
    String actual = ModelPackage.sha256Of(part);
    if (!actual.equals(record.sha256)) {
      throw new PackageRejectedException(Rejection.HASH_MISMATCH, "the transferred package has SHA-256 " + actual
          + ", " + record.sha256 + " was announced");
    }
  }

  private void checkPolicy(PackageManifest manifest, TransferRecord record) throws PackageRejectedException {
    if (!manifest.platforms().contains(settings.platform())) {
      throw new PackageRejectedException(Rejection.WRONG_PLATFORM, manifest.name() + " " + manifest.version()
          + " is built for " + manifest.platforms() + ", this device is " + settings.platform());
    }
    if (SemanticVersion.parse(manifest.minRuntime()).compareTo(settings.runtimeVersion()) > 0) {
      throw new PackageRejectedException(Rejection.RUNTIME_TOO_OLD, manifest.name() + " " + manifest.version()
          + " needs runtime " + manifest.minRuntime() + ", this device runs " + settings.runtimeVersion());
    }
    SemanticVersion version = manifest.semanticVersion();
    ModelInfo running = activeInfo();
    if (running != null && running.name().equals(manifest.name())) {
      int order = version.compareTo(SemanticVersion.parse(running.version()));
      if (order == 0 && !running.sha256().equals(manifest.model().sha256())) {
        throw new PackageRejectedException(Rejection.VERSION_CONFLICT, manifest.name() + " " + manifest.version()
            + " is active with other weights (" + running.sha256() + "); a new model needs a new version");
      }
      if (order < 0) {
        requireRollback(manifest, record, "older than the active " + running.version());
      }
    }
    String floor = state.floors.get(manifest.name());
    if (floor != null && version.compareTo(SemanticVersion.parse(floor)) < 0) {
      requireRollback(manifest, record, "below this device's version floor " + floor + " for " + manifest.name());
    }
  }

  /**
   * Going down needs both keys: the release key's {@code rollback: true} in the package and a console's rollback
   * token for this device alone, valid for a short while (so a rollback package cannot be replayed on every
   * device forever: TUF's rollback attack).
   */
  private static void requireRollback(PackageManifest manifest, TransferRecord record, String what)
      throws PackageRejectedException {
    if (!manifest.rollback() || !record.rollbackToken) {
      throw new PackageRejectedException(Rejection.DOWNGRADE, manifest.name() + " " + manifest.version() + " is "
          + what + "; going down needs a package signed with rollback and a rollback token for this device");
    }
  }

  private void raiseFloor(DeviceState.Installed model) {
    if (model == null || model.name == null || model.version == null) {
      return;
    }
    String floor = state.floors.get(model.name);
    try {
      if (floor == null || SemanticVersion.parse(model.version).compareTo(SemanticVersion.parse(floor)) > 0) {
        state.floors.put(model.name, model.version);
      }
    } catch (IllegalArgumentException e) {
      LOG.warn("version {} of {} is not semantic; floor unchanged", model.version, model.name);
    }
  }

  /** A rollback (the device's own, or with a token) lowers the floor of the model it left to the one it goes to. */
  private void lowerFloor(DeviceState.Installed from, ModelInfo to) {
    if (from != null && from.name != null && to != null && from.name.equals(to.name())) {
      state.floors.put(from.name, to.version());
    }
  }

  private ModelInfo activeInfo() {
    LoadedModel running = modelSwitch.active();
    return running == null ? null : running.info();
  }

  private void reject(TransferRecord record, PackageRejectedException e) {
    LOG.warn("job {} rejected: {}", record.job, e.toString());
    finishJob(Status.FAILED, null, e.reason(), e.getMessage(), false);
  }

  private void finishJob(Status status, DeviceState.Installed model, Rejection reason, String message, boolean quiet) {
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
        state.record(history(record.job, model, "rejected", (reason != null ? reason.code() + ": " : "") + message));
        stateFile.write(state);
      }
    } catch (IOException e) {
      LOG.error("cannot clean up job {}: {}", record.job, e.getMessage());
    }
    if (!quiet || status == Status.PROBATION) {
      notifyStatus(record.requester, record.job, status, model, reason, message);
    }
    publishSnapshot();
  }

  // ------------------------------------------------------------------ activation, probation, rollback (worker)

  private void activate(LoadedModel candidate, DeviceState.Installed installed, String jobId, String requester,
      double validationActiveMillis) throws IOException {
    ServingStats before = modelSwitch.servingStats();
    double measured = before.calls() >= settings.probationMinCalls() ? before.p50Millis() : validationActiveMillis;
    // EXEC activate has no validation figure: without serving calls there is no baseline (0 skips the latency
    // check). NaN would not even reach the pointer file: JSON has no NaN.
    double baseline = Double.isFinite(measured) ? measured : 0;
    ModelInfo running = activeInfo();
    DeviceState.Installed previous = state.active != null ? state.active
        : running == null ? null : new DeviceState.Installed(null, running.name(), running.version(), running.sha256(), null);
    DeviceState.Probation probation = new DeviceState.Probation();
    probation.job = jobId;
    probation.requester = requester;
    probation.untilMillis = System.currentTimeMillis() + settings.probation().toMillis();
    probation.baselineMillis = baseline;
    installed.activatedMillis = System.currentTimeMillis();
    state.previous = previous;
    state.active = installed;
    state.candidate = null;
    state.probation = probation;
    raiseFloor(installed);
    stateFile.write(state);
    CrashPoints.reach("pointer-written");
    LoadedModel replaced = modelSwitch.activate(candidate);
    CrashPoints.reach("activated");
    if (previousLoaded != null) {
      previousLoaded.close();
    }
    previousLoaded = replaced;
    state.record(history(jobId, installed, "activated", previous == null ? "" : "replacing " + previous));
    stateFile.write(state);
    startProbationTicks();
  }

  private void startProbationTicks() {
    if (probationTicks != null) {
      probationTicks.cancel(false);
    }
    long period = Math.max(200, Math.min(1_000, settings.probation().toMillis() / 10));
    try {
      probationTicks = timer.scheduleAtFixedRate(() -> internal(this::probationTick), period, period,
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      probationTicks = null;
    }
  }

  private void probationTick() {
    DeviceState.Probation p = state.probation;
    if (p == null) {
      stopProbationTicks();
      return;
    }
    ServingStats stats = modelSwitch.servingStats();
    String failure = null;
    if (stats.model() == null) {
      failure = "the detector is down: " + stats.lastError();
    } else if (!stats.model().sha256().equals(state.active.sha256)) {
      failure = null;
      LOG.warn("another model ({}) was activated during the probation of {}; probation ends", stats.model(), state.active);
      endProbation();
      return;
    } else {
      long total = stats.calls() + stats.errors();
      if (total >= settings.probationMinCalls() && stats.errors() > settings.probationMaxErrorRate() * total) {
        failure = String.format(Locale.ROOT, "%d of %d detector calls failed in probation (more than %.0f%%), last: %s",
            stats.errors(), total, 100 * settings.probationMaxErrorRate(), stats.lastError());
      } else if (stats.calls() >= settings.probationMinCalls() && p.baselineMillis > 0
          && stats.p50Millis() > settings.latencyFactor() * p.baselineMillis) {
        failure = String.format(Locale.ROOT, "median detector time %.1f ms in probation, more than %.1fx the %.1f ms "
            + "of the model before", stats.p50Millis(), settings.latencyFactor(), p.baselineMillis);
      }
    }
    if (failure != null) {
      rollback(Rejection.PROBATION_FAILED, failure);
    } else if (System.currentTimeMillis() >= p.untilMillis) {
      LOG.info("{} passed probation ({} calls, {} errors, median {} ms)", state.active, stats.calls(), stats.errors(),
          fmt(stats.p50Millis()));
      DeviceState.Installed kept = state.active;
      endProbation();
      notifyStatus(p.requester, p.job, Status.COMPLETED, kept, null, "passed probation");
    }
  }

  private void endProbation() {
    DeviceState.Probation p = state.probation;
    state.probation = null;
    stopProbationTicks();
    try {
      state.record(history(p.job, state.active, "kept", "passed probation"));
      stateFile.write(state);
    } catch (IOException e) {
      LOG.error("cannot write the pointer file: {}", e.getMessage());
    }
    if (previousLoaded != null) {
      previousLoaded.close();
      previousLoaded = null;
    }
    publishSnapshot();
  }

  private void stopProbationTicks() {
    if (probationTicks != null) {
      probationTicks.cancel(false);
      probationTicks = null;
    }
  }

  /**
   * Back to the previous model: the one kept loaded, else loaded again from its slot or the factory manifest. When
   * that is impossible the active model keeps serving and probation ends (with its checks it would only try again
   * and fail, and meanwhile refuse every install).
   */
  private boolean rollback(Rejection reason, String why) {
    DeviceState.Installed failed = state.active;
    DeviceState.Installed target = state.previous;
    DeviceState.Probation p = state.probation;
    LoadedModel back = previousLoaded;
    previousLoaded = null;
    try {
      if (back == null) {
        back = loadInstalled(target);
      }
      DeviceState.Installed newActive = target == null || target.factory() ? null : target;
      state.active = newActive;
      state.previous = null;
      state.probation = null;
      state.record(history(p != null ? p.job : null, failed, "rolled_back", why));
      lowerFloor(failed, back.info());
      stateFile.write(state);
      LoadedModel replaced = modelSwitch.activate(back);
      if (replaced != null) {
        replaced.close();
      }
    } catch (PackageRejectedException | ModelLoadException | IOException e) {
      LOG.error("cannot roll back from {} to {}: {}", failed, target, e.getMessage());
      String message = "cannot roll back to " + target + " (" + e.getMessage() + "); " + failed + " keeps serving";
      if (state.probation != null) {
        state.probation = null;
        state.record(history(p.job, failed, "rollback_failed", message));
        try {
          stateFile.write(state);
        } catch (IOException io) {
          LOG.error("cannot write the pointer file: {}", io.getMessage());
        }
        notifyStatus(p.requester, p.job, Status.FAILED, failed, reason, message);
      }
      publishSnapshot();
      return false;
    } finally {
      stopProbationTicks();
    }
    LOG.warn("rolled back from {} to {}: {}", failed, target, why);
    if (p != null) {
      notifyStatus(p.requester, p.job, Status.ROLLED_BACK, failed, reason, why);
    }
    publishSnapshot();
    return true;
  }

  private LoadedModel loadInstalled(DeviceState.Installed target) throws PackageRejectedException, ModelLoadException {
    if (target == null || target.factory()) {
      if (factoryManifest == null) {
        throw new ModelLoadException("no previous model to roll back to", null);
      }
      return modelSwitch.load(Path.of(factoryManifest));
    }
    slots.verify(target.slot, keys);
    return modelSwitch.load(slots.manifest(target.slot));
  }

  private Response activateCandidate() throws IOException {
    if (state.candidate == null) {
      return Response.error(409, "no validated candidate waits for activation");
    }
    if (state.probation != null) {
      return Response.error(409, state.active + " is in probation");
    }
    DeviceState.Installed candidate = state.candidate;
    if (candidate.packageSha256 == null || !PASSED.equals(state.validation.get(candidate.packageSha256))) {
      state.candidate = null;
      stateFile.write(state);
      return Response.error(409, "candidate " + candidate + " has no passed validation on record");
    }
    LoadedModel loaded;
    try {
      PackageManifest manifest = slots.verify(candidate.slot, keys);
      if (!manifest.model().sha256().equals(candidate.sha256) || !manifest.version().equals(candidate.version)
          || !manifest.name().equals(candidate.name)) {
        state.candidate = null;
        stateFile.write(state);
        return Response.error(409, "slot " + candidate.slot + " no longer holds the validated candidate " + candidate);
      }
      checkFloor(manifest);
      loaded = modelSwitch.load(slots.manifest(candidate.slot));
    } catch (PackageRejectedException | ModelLoadException e) {
      state.candidate = null;
      stateFile.write(state);
      return Response.error(500, "candidate " + candidate + " no longer loads: " + e.getMessage());
    }
    activate(loaded, candidate, candidate.job, null, Double.NaN);
    publishSnapshot();
    return Response.ok(new LinkedHashMap<>(snapshot));
  }

  /** A candidate validated before a newer model was activated must not go below the floor raised since. */
  private void checkFloor(PackageManifest manifest) throws PackageRejectedException {
    String floor = state.floors.get(manifest.name());
    if (floor != null && manifest.semanticVersion().compareTo(SemanticVersion.parse(floor)) < 0) {
      throw new PackageRejectedException(Rejection.DOWNGRADE, manifest.name() + " " + manifest.version()
          + " is below this device's version floor " + floor);
    }
  }

  private Response rollbackByRequest(Request request) {
    if (state.previous == null && (state.active == null || factoryManifest == null)) {
      return Response.error(409, "there is no previous model to roll back to");
    }
    if (state.probation != null && request.requesterClientId() != null) {
      state.probation.requester = request.requesterClientId();
    }
    boolean done = rollback(Rejection.PROBATION_FAILED, "rollback requested by "
        + (request.requesterClientId() == null ? "an operator" : request.requesterClientId()));
    return done ? Response.ok(new LinkedHashMap<>(snapshot)) : Response.error(500, "the rollback failed; see the device log");
  }

  // ------------------------------------------------------------------ reporting

  private DeviceState.HistoryEntry history(String jobId, DeviceState.Installed model, String event, String reason) {
    return new DeviceState.HistoryEntry(System.currentTimeMillis(), jobId, model == null ? null : model.name,
        model == null ? null : model.version, event, reason);
  }

  private void notifyStatus(String requester, String jobId, Status status, DeviceState.Installed model,
      Rejection reason, String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(ModelProtocol.JOB_ID, jobId == null ? "" : jobId);
    m.put(ModelProtocol.STATUS, status.name());
    if (model != null) {
      m.put(ModelProtocol.NAME, model.name);
      m.put(ModelProtocol.VERSION, model.version);
    }
    if (reason != null) {
      m.put(ModelProtocol.REASON, reason.code());
    }
    m.put(ModelProtocol.MESSAGE, message == null ? "" : message);
    ModelInfo running = activeInfo();
    if (running != null) {
      m.put(ModelProtocol.ACTIVE_VERSION, running.version());
    }
    send(requester, ModelProtocol.NOTIFY_INSTALL, m, status.terminal() || status == Status.PROBATION
        ? Priority.EVENT : Priority.HEALTH, 0);
  }

  private boolean send(String requester, String resource, Map<String, Object> metrics, Priority priority, int replyBytes) {
    RemoteChannel c = channel.get();
    if (c == null || requester == null) {
      return false;
    }
    return c.notify(new Notification(ModelProtocol.APP_ID, requester, resource, metrics, priority, replyBytes));
  }

  private void publishSnapshot() {
    Map<String, Object> m = new LinkedHashMap<>();
    ModelInfo running = activeInfo();
    if (running != null) {
      m.put(ModelProtocol.ACTIVE_NAME, running.name());
      m.put(ModelProtocol.ACTIVE_VERSION, running.version());
      m.put(ModelProtocol.ACTIVE_SHA256, running.sha256());
    }
    m.put(ModelProtocol.ACTIVE_SLOT, state == null || state.active == null ? "factory" : state.active.slot);
    if (state != null && state.previous != null) {
      m.put(ModelProtocol.PREVIOUS_VERSION, state.previous.version);
    }
    if (state != null && state.candidate != null) {
      m.put(ModelProtocol.CANDIDATE_VERSION, state.candidate.version);
    }
    String phase = job != null ? job.status.name() : state != null && state.probation != null ? Status.PROBATION.name() : "IDLE";
    m.put(ModelProtocol.STATE, phase);
    if (job != null) {
      m.put(ModelProtocol.JOB_ID, job.record.job);
      m.put(ModelProtocol.OFFSET, job.record.offset);
      m.put(ModelProtocol.PACKAGE_SIZE, job.record.size);
    }
    snapshot = Map.copyOf(m);
  }

  /** The state as health reports it, with the counters of what was refused or dropped. */
  Map<String, Object> snapshot() {
    Map<String, Object> m = new LinkedHashMap<>(snapshot);
    m.put("commands_refused", commandsRefused.get());
    m.put("requests_dropped", requestsDropped.get());
    m.put("chunks_dropped", chunksDropped.get());
    m.put("chunks_rejected", chunksRejected.get());
    m.put("urls_refused", urlsRefused.get());
    m.put("keys_skipped", (long) keysSkipped);
    m.put("queue", (long) worker.getQueue().size());
    m.put("nonces", (long) authority.liveNonces());
    m.put("last_refusal", lastRefusal);
    return m;
  }

  /** Runs queued work to completion: for tests and a clean stop. */
  void awaitIdle(long timeoutMillis) {
    call(() -> null, (int) Math.max(1, timeoutMillis / 1000));
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    https.close();
    downloader.shutdownNow();
    worker.shutdown();
    try {
      worker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    worker.shutdownNow();
    if (previousLoaded != null) {
      previousLoaded.close();
    }
  }
}
