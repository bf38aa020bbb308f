// SPDX-License-Identifier: Apache-2.0
package org.watchpost.fleet;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.fleet.DeviceRecord.Phase;
import org.watchpost.models.protocol.BlockHashes;
import org.watchpost.models.protocol.CommandSignature;
import org.watchpost.models.protocol.ModelProtocol;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;
import org.watchpost.uplink.codec.MalformedPayloadException;

/**
 * The central rollout console over any MQTT broker, in MODEL-V1: finds devices (their BIRTH, and a
 * GET to every device of the account), offers the package stage by stage (canary, then waves, each
 * a share of the devices targeted at that moment, so devices that appear later are included),
 * serves MQTT chunks as devices ask for them, retries failed attempts a bounded number of times,
 * halts once failures pass the threshold, and keeps its state on disk after every change so that it
 * can be stopped and resumed.
 *
 * <p>Every state change runs on one thread; the MQTT client's thread only hands messages over.
 */
public final class FleetConsole implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FleetConsole.class);
  private static final int MAX_INFLATED = 8 << 20;
  private static final int MAX_CHUNK = 256 * 1024;

  /**
   * The chunk size devices ask for on thin links: one block per chunk, so the signed hash list that
   * crosses the link before the first chunk is as short as it can be without a device holding
   * unverified bytes (2 KiB blocks made it twice as long for the same protection: a device checks
   * every block of a chunk before writing it). A device configured for smaller chunks asks for one
   * whole block at a time.
   */
  public static final int DEFAULT_BLOCK_SIZE = 4096;

  /** Reasons no retry can change: the package does not fit the device. */
  private static final Set<String> FINAL_REASONS =
      Set.of(
          "wrong_platform",
          "runtime_too_old",
          "downgrade",
          "version_conflict",
          "unknown_key",
          "bad_signature",
          "unsafe_path",
          "too_large",
          "decompression_bomb",
          "malformed",
          // The device may not fetch the URL: another attempt would be refused alike.
          "url_refused",
          "cancelled");

  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private final String account;
  private final String consoleId;
  private final PrintStream out;
  private final MqttAsyncClient client;
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "fleet-console");
            t.setDaemon(true);
            return t;
          });
  private final AtomicLong requestIds = new AtomicLong();
  private final Map<String, String> pendingGets = new ConcurrentHashMap<>();
  private final Map<String, String> pendingPuts = new ConcurrentHashMap<>();
  private final Map<String, java.util.concurrent.CompletableFuture<Map<String, Object>>>
      pendingCommands = new ConcurrentHashMap<>();

  /** Every device seen, targeted or not (loop thread). */
  private final Map<String, DeviceRecord> seen = new LinkedHashMap<>();

  private final CountDownLatch finished = new CountDownLatch(1);

  private RolloutState rollout;
  private RolloutStore store;

  /** The console opened the store itself (a path given), so it closes it. */
  private boolean ownsStore;

  /** Targeted devices changed since the last save: their rows are written, and only theirs. */
  private final Map<String, DeviceRecord> changed = new LinkedHashMap<>();

  private byte[] packageBytes;

  /** The signed hash list of the package's blocks, sent with every MQTT PUT package. */
  private byte[] blockHashes;

  private int blockSize = DEFAULT_BLOCK_SIZE;
  private java.security.PrivateKey consoleKey;
  private java.security.PublicKey consolePublic;
  private Duration commandLifetime = Duration.ofMinutes(15);
  private boolean dirty;
  private boolean closed;
  private long lastSave;
  private long lastTable;
  private long tableEveryMillis = 10_000;
  private long lastDiscovery;
  private long discoverEveryMillis = 60_000;
  private long chunksServed;
  private long chunkBytesServed;

  public FleetConsole(String brokerUrl, String account, String consoleId, PrintStream out)
      throws MqttException {
    this.account = account;
    this.consoleId = consoleId;
    this.out = out;
    this.client = new MqttAsyncClient(brokerUrl, consoleId, new MemoryPersistence());
  }

  /**
   * Signs every PUT package and EXEC with this console key (devices refuse them unsigned); each is
   * valid from now for the lifetime and names the device it goes to.
   */
  public void signWith(java.security.KeyPair key, Duration lifetime) {
    this.consoleKey = key.getPrivate();
    this.consolePublic = key.getPublic();
    this.commandLifetime = lifetime;
  }

  /**
   * Reads a console key pair from the private key file that {@code watchpost model keygen} wrote.
   */
  public static java.security.KeyPair readKey(Path privateKeyFile) throws IOException {
    try {
      java.security.PrivateKey key =
          org.watchpost.models.packaging.SigningKeys.readPrivate(Files.readString(privateKeyFile));
      Path publicFile =
          privateKeyFile.resolveSibling(
              privateKeyFile.getFileName().toString().replaceFirst("\\.key$", "") + ".pub");
      java.security.PublicKey pub =
          org.watchpost.models.packaging.SigningKeys.readPublic(Files.readString(publicFile));
      return new java.security.KeyPair(pub, key);
    } catch (java.security.GeneralSecurityException e) {
      throw new IOException(
          "console key "
              + privateKeyFile
              + " (with its .pub beside it) is not an Ed25519 key pair: "
              + e.getMessage(),
          e);
    }
  }

  /** The size of the blocks of the hash list (rounded up so that a package has at most 65536). */
  public void blockSize(int bytes) {
    this.blockSize = bytes;
  }

  /** Connects, subscribes, and asks every device of the account for its model. */
  public void connect(Duration timeout) throws MqttException {
    MqttConnectOptions options = new MqttConnectOptions();
    options.setCleanSession(true);
    options.setAutomaticReconnect(true);
    options.setMaxInflight(1000);
    options.setKeepAliveInterval(30);
    client.setCallback(
        new MqttCallbackExtended() {
          @Override
          public void connectComplete(boolean reconnect, String serverUri) {
            if (reconnect) {
              loop.execute(FleetConsole.this::subscribeAndDiscover);
            }
          }

          @Override
          public void connectionLost(Throwable cause) {
            LOG.warn("console lost the broker: {}", cause == null ? "" : cause.getMessage());
          }

          @Override
          public void messageArrived(String topic, MqttMessage message) {
            byte[] payload = message.getPayload();
            loop.execute(() -> arrived(topic, payload));
          }

          @Override
          public void deliveryComplete(IMqttDeliveryToken token) {}
        });
    client.connect(options).waitForCompletion(timeout.toMillis());
    loop.submit(this::subscribeAndDiscover);
    loop.scheduleAtFixedRate(this::tick, 200, 200, TimeUnit.MILLISECONDS);
  }

  private void subscribeAndDiscover() {
    String base = KuraTopic.CONTROL_PREFIX + "/" + account + "/";
    String[] filters = {
      base + "+/MQTT/BIRTH",
      base + "+/MQTT/DC",
      base + "+/MQTT/LWT",
      base + consoleId + "/" + ModelProtocol.APP_ID + "/REPLY/#",
      base + "+/" + ModelProtocol.APP_ID + "/NOTIFY/" + consoleId + "/#"
    };
    try {
      client.subscribe(filters, new int[] {1, 1, 1, 1, 1}).waitForCompletion(10_000);
      discover();
    } catch (MqttException e) {
      LOG.error("console cannot subscribe: {}", e.getMessage());
    }
  }

  /**
   * Asks every device of the account, and each named target not seen yet, for its model: a device
   * that was online before the console (its BIRTH long gone) or that missed the last question
   * answers now.
   */
  private void discover() {
    lastDiscovery = System.currentTimeMillis();
    String id = nextRequestId();
    pendingGets.put(id, "*");
    request(ModelProtocol.EVERY_DEVICE, "GET", ModelProtocol.RESOURCE_MODELS, id, Map.of());
    if (rollout != null) {
      for (String target : rollout.targets) {
        if (!target.contains("*")
            && !target.contains("?")
            && (seen.get(target) == null || !seen.get(target).online)) {
          String direct = nextRequestId();
          pendingGets.put(direct, target);
          request(target, "GET", ModelProtocol.RESOURCE_MODELS, direct, Map.of());
        }
      }
    }
  }

  /** How often the console asks every device again while a rollout runs. */
  public void discoverEvery(Duration interval) {
    discoverEveryMillis = interval.toMillis();
  }

  // ---------------------------------------------------------------- rollout

  /** Starts a rollout kept in a SQLite file at this path (opened and closed by the console). */
  public void rollout(RolloutState state, Path stateFile) throws IOException {
    RolloutStore opened = RolloutStore.open(stateFile.toString());
    ownsStore = true;
    rollout(state, opened);
  }

  /**
   * Starts a rollout, or resumes it (a state loaded from the store); every change is saved to the
   * store.
   */
  void rollout(RolloutState state, RolloutStore store) throws IOException {
    this.store = store;
    byte[] bytes = Files.readAllBytes(Path.of(state.packageFile));
    String sha = sha256(bytes);
    if (!sha.equals(state.packageSha256)) {
      throw new IOException(
          "package "
              + state.packageFile
              + " has SHA-256 "
              + sha
              + ", the rollout is for "
              + state.packageSha256);
    }
    int block = BlockHashes.blockSizeFor(bytes.length, blockSize);
    Path tmp = Files.createTempFile("watchpost-package", ".zip");
    byte[] hashes;
    try {
      Files.write(tmp, bytes);
      hashes = BlockHashes.of(tmp, block);
    } finally {
      Files.deleteIfExists(tmp);
    }
    loop.submit(
        () -> {
          this.packageBytes = bytes;
          this.blockHashes = hashes;
          this.blockSize = block;
          this.rollout = state;
          for (DeviceRecord r : state.devices.values()) {
            changed(r);
            DeviceRecord known = seen.get(r.clientId);
            r.online = known != null && known.online;
            seen.put(r.clientId, r);
            if (r.phase == Phase.IN_PROGRESS) {
              // Resumed: ask again; the device answers with where its job stands.
              r.lastProgressMillis = System.currentTimeMillis();
              offer(r, false);
            }
          }
          seen.values().forEach(this::consider);
          // A device named in the plan is targeted before it is heard from: on a thin link its
          // answer to discovery
          // takes seconds, and a rollout whose only stage had no device yet would count as finished
          // with none done.
          for (String target : state.targets) {
            if (!target.contains("*")
                && target.length() <= RolloutStore.MAX_ID
                && !seen.containsKey(target)) {
              DeviceRecord unseen = new DeviceRecord();
              unseen.clientId = target;
              seen.put(target, unseen);
              consider(unseen);
            }
          }
          discover();
          dirty = true;
          if (state.finished) {
            finished.countDown();
          }
          out.printf(
              "rollout %s: %s %s (%d bytes, sha256 %s) to %s, stages %s, halt past %.1f%% failed%n",
              state.rolloutId,
              state.modelName,
              state.modelVersion,
              state.packageSize,
              state.packageSha256.substring(0, 12),
              state.targets,
              percent(state.stages),
              100 * state.haltOnFailure);
        });
  }

  private static List<String> percent(List<Double> stages) {
    List<String> out = new ArrayList<>();
    stages.forEach(s -> out.add(String.format(Locale.ROOT, "%.0f%%", 100 * s)));
    return out;
  }

  /** Waits until every targeted device is settled in the last stage, or the rollout halted. */
  public boolean await(Duration timeout) throws InterruptedException {
    return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public void printEvery(Duration interval) {
    tableEveryMillis = interval.toMillis();
  }

  /** A device the rollout targets gets a record as soon as it is seen. */
  private void consider(DeviceRecord device) {
    if (rollout == null
        || rollout.devices.containsKey(device.clientId)
        || device.clientId.length() > RolloutStore.MAX_ID
        || !rollout.targets(device.clientId)) {
      return;
    }
    rollout.devices.put(device.clientId, device);
    changed(device);
    if (rollout.stage > 0 || rollout.devices.size() > 1) {
      LOG.info("device {} joined the rollout (stage {})", device.clientId, rollout.stage);
    }
  }

  private void tick() {
    try {
      long now = System.currentTimeMillis();
      if (now - lastDiscovery >= discoverEveryMillis && (rollout == null || !rollout.finished)) {
        discover();
      }
      if (rollout == null) {
        return;
      }
      for (DeviceRecord r : rollout.devices.values()) {
        if (r.phase == Phase.IN_PROGRESS
            && r.online
            && now - r.lastProgressMillis > rollout.attemptTimeoutMillis) {
          attemptFailed(
              r,
              "timeout",
              "no word from the device for " + rollout.attemptTimeoutMillis / 1000 + " s");
        } else if (r.phase == Phase.RETRY_WAIT
            && r.online
            && now >= r.nextAttemptMillis
            && !rollout.halted) {
          offer(r, true);
        }
      }
      advance();
      if (dirty && now - lastSave >= 500) {
        save();
      }
      if (tableEveryMillis > 0 && now - lastTable >= tableEveryMillis) {
        lastTable = now;
        printTable();
      }
    } catch (RuntimeException e) {
      LOG.error("console tick failed", e);
    }
  }

  private void advance() {
    if (rollout.finished) {
      return;
    }
    List<DeviceRecord> targeted = new ArrayList<>(rollout.devices.values());
    long started = targeted.stream().filter(r -> r.stage >= 0).count();
    long failed = targeted.stream().filter(r -> r.phase == Phase.FAILED).count();
    if (!rollout.halted && started > 0 && failed > rollout.haltOnFailure * started) {
      rollout.halted = true;
      rollout.haltReason =
          String.format(
              Locale.ROOT,
              "%d of %d devices failed (%.1f%%), past the threshold of %.1f%%",
              failed,
              started,
              100.0 * failed / started,
              100 * rollout.haltOnFailure);
      dirty = true;
      out.println("HALTED: " + rollout.haltReason);
      printTable();
    }
    if (rollout.halted) {
      if (targeted.stream().noneMatch(r -> r.phase == Phase.IN_PROGRESS)) {
        finish();
      }
      return;
    }
    int last = rollout.stages.size() - 1;
    long allowed = (long) Math.ceil(rollout.stages.get(rollout.stage) * targeted.size() - 1e-9);
    for (DeviceRecord r : targeted) {
      if (started >= allowed) {
        break;
      }
      if (r.phase == Phase.WAITING && r.online) {
        r.stage = rollout.stage;
        offer(r, true);
        started++;
      }
    }
    boolean stageSettled =
        targeted.stream().filter(r -> r.stage >= 0).allMatch(r -> r.phase.settled());
    // Offline devices do not hold a stage back: they are offered the package when they come back.
    boolean stageFilled =
        started >= allowed
            || targeted.stream().noneMatch(r -> r.phase == Phase.WAITING && r.online);
    if (stageSettled && stageFilled && started > 0 && rollout.stage < last) {
      rollout.stage++;
      dirty = true;
      out.printf(
          "stage %d of %d: %s of the devices%n",
          rollout.stage + 1, last + 1, percent(List.of(rollout.stages.get(rollout.stage))).get(0));
    } else if (stageSettled
        && rollout.stage == last
        && targeted.stream().allMatch(r -> r.phase.settled())) {
      finish();
    }
  }

  private void finish() {
    if (!rollout.finished) {
      rollout.finished = true;
      dirty = true;
      save();
      printTable();
      long done = rollout.devices.values().stream().filter(r -> r.phase == Phase.DONE).count();
      out.printf(
          "rollout %s %s: %d done, %d failed, %d not started%n",
          rollout.rolloutId,
          rollout.halted ? "HALTED" : "finished",
          done,
          rollout.devices.values().stream().filter(r -> r.phase == Phase.FAILED).count(),
          rollout.devices.values().stream().filter(r -> r.stage < 0).count());
    }
    finished.countDown();
  }

  /** Offers the package to a device: a new attempt, or (resume) the same one again. */
  private void offer(DeviceRecord r, boolean newAttempt) {
    if (newAttempt) {
      r.attempts++;
      r.attemptStartedMillis = System.currentTimeMillis();
      r.status = "OFFERED";
      r.progress = 0;
    }
    r.phase = Phase.IN_PROGRESS;
    r.lastProgressMillis = System.currentTimeMillis();
    r.job = rollout.rolloutId;
    Map<String, Object> m = putPackageMetrics(rollout, r.attempts, blockSize);
    byte[] body = ModelProtocol.TRANSPORT_MQTT.equals(rollout.transport) ? blockHashes : null;
    String id = nextRequestId();
    pendingPuts.put(id, r.clientId);
    request(r.clientId, "PUT", ModelProtocol.RESOURCE_PACKAGE, id, m, body);
    changed(r);
  }

  /**
   * The metrics of a PUT package; over MQTT its body is the hash list of blocks of {@code
   * blockSize}.
   */
  static Map<String, Object> putPackageMetrics(RolloutState rollout, int attempt, int blockSize) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(ModelProtocol.JOB_ID, rollout.rolloutId);
    m.put(ModelProtocol.PACKAGE_SHA256, rollout.packageSha256);
    m.put(ModelProtocol.PACKAGE_SIZE, rollout.packageSize);
    m.put(ModelProtocol.TRANSPORT, rollout.transport);
    if (rollout.url != null) {
      m.put(ModelProtocol.URL, rollout.url);
    }
    m.put(ModelProtocol.ATTEMPT, attempt);
    if (ModelProtocol.TRANSPORT_MQTT.equals(rollout.transport)) {
      m.put(ModelProtocol.BLOCK_SIZE, blockSize);
    }
    return m;
  }

  private void attemptFailed(DeviceRecord r, String reason, String message) {
    r.reason = reason;
    r.message = message;
    boolean retry = !FINAL_REASONS.contains(reason) && r.attempts < rollout.maxAttempts;
    if (retry) {
      r.phase = Phase.RETRY_WAIT;
      r.nextAttemptMillis =
          System.currentTimeMillis()
              + rollout.retryDelayMillis * (1L << Math.min(6, r.attempts - 1));
      out.printf(
          "%s: attempt %d of %d failed (%s: %s); retrying%n",
          r.clientId, r.attempts, rollout.maxAttempts, reason, message);
    } else {
      r.phase = Phase.FAILED;
      out.printf(
          "%s: FAILED after %d attempt(s): %s: %s%n", r.clientId, r.attempts, reason, message);
    }
    changed(r);
  }

  // ---------------------------------------------------------------- messages (loop thread)

  private void arrived(String topic, byte[] wire) {
    KuraTopic parsed = KuraTopic.parse(topic);
    if (parsed == null) {
      return;
    }
    List<KuraPayload> payloads;
    try {
      payloads = KuraPayloadCodec.decodeMessages(wire, MAX_INFLATED);
    } catch (MalformedPayloadException e) {
      LOG.warn("unreadable message on {}: {}", topic, e.getMessage());
      return;
    }
    String device = parsed.clientId();
    if (parsed.kind() == KuraTopic.Kind.BIRTH) {
      DeviceRecord r = device(device);
      r.online = true;
      r.lastProgressMillis = System.currentTimeMillis();
      String id = nextRequestId();
      pendingGets.put(id, device);
      request(device, "GET", ModelProtocol.RESOURCE_MODELS, id, Map.of());
      if (rollout != null && r.phase == Phase.IN_PROGRESS && rollout.devices.containsKey(device)) {
        offer(r, false);
      }
      return;
    }
    if (parsed.kind() == KuraTopic.Kind.DISCONNECT || parsed.kind() == KuraTopic.Kind.LAST_WILL) {
      device(device).online = false;
      return;
    }
    if (parsed.kind() != KuraTopic.Kind.CONTROL) {
      return;
    }
    String[] levels = parsed.subject().split("/");
    for (KuraPayload p : payloads) {
      if (levels.length >= 3 && levels[1].equals("REPLY") && device.equals(consoleId)) {
        reply(levels[2], p);
      } else if (levels.length >= 4 && levels[1].equals("NOTIFY") && levels[2].equals(consoleId)) {
        DeviceRecord r = device(device);
        if (levels[3].equals(ModelProtocol.NOTIFY_CHUNK)) {
          serveChunk(device, p);
        } else if (levels[3].equals(ModelProtocol.NOTIFY_INSTALL)) {
          installStatus(r, p);
        }
      }
    }
  }

  private DeviceRecord device(String clientId) {
    DeviceRecord r = seen.get(clientId);
    if (r == null) {
      r = new DeviceRecord();
      r.clientId = clientId;
      seen.put(clientId, r);
    }
    r.lastSeenMillis = System.currentTimeMillis();
    r.online = true;
    consider(r);
    changed(r);
    return r;
  }

  /**
   * A device's record changed: its row is written at the next save (a device not in the rollout has
   * none).
   */
  private void changed(DeviceRecord r) {
    if (rollout != null && rollout.devices.get(r.clientId) == r) {
      changed.put(r.clientId, r);
      dirty = true;
    }
  }

  private void reply(String requestId, KuraPayload p) {
    Long code = p.longMetric("response.code");
    var command = pendingCommands.get(requestId);
    if (command != null) {
      command.complete(Map.copyOf(p.metrics()));
      return;
    }
    String getOf = pendingGets.get(requestId);
    if (getOf != null) {
      if (!getOf.equals("*")) {
        pendingGets.remove(requestId);
      }
      // A broadcast GET is answered by every device; each answer names its device.
      String id = p.stringMetric(ModelProtocol.CLIENT_ID);
      if (id == null && !getOf.equals("*")) {
        id = getOf;
      }
      if (id != null && code != null && code == 200) {
        DeviceRecord r = device(id);
        String version = p.stringMetric(ModelProtocol.ACTIVE_VERSION);
        r.modelVersion = version == null ? "" : version;
        String state = p.stringMetric(ModelProtocol.STATE);
        r.deviceState = state == null ? "" : state;
      }
      return;
    }
    String putTo = pendingPuts.remove(requestId);
    if (putTo == null || rollout == null) {
      return;
    }
    DeviceRecord r = device(putTo);
    if (code != null && code == 200) {
      String status = p.stringMetric(ModelProtocol.STATUS);
      if (status != null) {
        r.status = status;
      }
      r.lastProgressMillis = System.currentTimeMillis();
    } else if (code != null && code == 409) {
      // Busy (another job, a probation): not a failure of this package; ask again later.
      r.phase = Phase.RETRY_WAIT;
      r.attempts = Math.max(0, r.attempts - 1);
      r.nextAttemptMillis = System.currentTimeMillis() + rollout.retryDelayMillis;
      r.message = String.valueOf(p.stringMetric("response.exception.message"));
    } else {
      String message = String.valueOf(p.stringMetric("response.exception.message"));
      String reason =
          message.contains(":") ? message.substring(0, message.indexOf(':')) : "refused";
      attemptFailed(r, reason, message);
    }
    changed(r);
  }

  private void installStatus(DeviceRecord r, KuraPayload p) {
    String status = p.stringMetric(ModelProtocol.STATUS);
    String job = p.stringMetric(ModelProtocol.JOB_ID);
    if (status == null) {
      return;
    }
    String active = p.stringMetric(ModelProtocol.ACTIVE_VERSION);
    if (active != null) {
      r.modelVersion = active;
    }
    if (rollout == null
        || !rollout.devices.containsKey(r.clientId)
        || job == null
        || !job.equals(rollout.rolloutId)
        || r.phase != Phase.IN_PROGRESS) {
      return;
    }
    r.status = status;
    r.lastProgressMillis = System.currentTimeMillis();
    Long progress = p.longMetric(ModelProtocol.PROGRESS);
    if (progress != null) {
      r.progress = progress.intValue();
    }
    switch (status) {
      case "COMPLETED" -> {
        r.phase = Phase.DONE;
        r.progress = 100;
        r.modelVersion = rollout.modelVersion;
        r.reason = "";
        r.message = "";
        out.printf(
            "%s: done, runs %s %s (attempt %d)%n",
            r.clientId, rollout.modelName, rollout.modelVersion, r.attempts);
      }
      case "FAILED", "ROLLED_BACK" ->
          attemptFailed(
              r,
              String.valueOf(p.stringMetric(ModelProtocol.REASON)),
              String.valueOf(p.stringMetric(ModelProtocol.MESSAGE)));
      default -> {}
    }
    changed(r);
  }

  private void serveChunk(String device, KuraPayload p) {
    String job = p.stringMetric(ModelProtocol.JOB_ID);
    Long offset = p.longMetric(ModelProtocol.OFFSET);
    Long length = p.longMetric(ModelProtocol.LENGTH);
    if (rollout == null
        || packageBytes == null
        || job == null
        || !job.equals(rollout.rolloutId)
        || offset == null
        || length == null
        || offset < 0
        || length <= 0
        || length > MAX_CHUNK
        || offset >= packageBytes.length) {
      return;
    }
    int from = offset.intValue();
    int to = (int) Math.min(packageBytes.length, offset + length);
    byte[] chunk = java.util.Arrays.copyOfRange(packageBytes, from, to);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(ModelProtocol.JOB_ID, job);
    m.put(ModelProtocol.OFFSET, offset);
    m.put(ModelProtocol.CHUNK_SHA256, sha256(chunk));
    publish(
        KuraTopic.application(
                account, device, ModelProtocol.APP_ID, "PUT", ModelProtocol.RESOURCE_CHUNK)
            .topic(),
        new KuraPayload(System.currentTimeMillis(), null, m, chunk));
    chunksServed++;
    chunkBytesServed += chunk.length;
    DeviceRecord r = seen.get(device);
    if (r != null) {
      r.lastProgressMillis = System.currentTimeMillis();
      changed(r);
    }
  }

  // ---------------------------------------------------------------- MQTT out

  private String nextRequestId() {
    return consoleId + "-" + requestIds.incrementAndGet();
  }

  private void request(
      String device,
      String method,
      String resource,
      String requestId,
      Map<String, Object> metrics) {
    request(device, method, resource, requestId, metrics, null);
  }

  /**
   * Sends a request; a PUT or EXEC is signed for the device it goes to when the console has a key.
   */
  private void request(
      String device,
      String method,
      String resource,
      String requestId,
      Map<String, Object> metrics,
      byte[] body) {
    publish(
        KuraTopic.CONTROL_PREFIX
            + "/"
            + account
            + "/"
            + device
            + "/"
            + ModelProtocol.APP_ID
            + "/"
            + method
            + "/"
            + resource,
        payload(
            consoleId,
            device,
            method,
            resource,
            requestId,
            metrics,
            body,
            method.equals("GET") ? null : consoleKey,
            consolePublic,
            commandLifetime));
  }

  /** A request's payload as the console sends it, signed for the device when a key is given. */
  static KuraPayload payload(
      String consoleId,
      String device,
      String method,
      String resource,
      String requestId,
      Map<String, Object> metrics,
      byte[] body,
      java.security.PrivateKey key,
      java.security.PublicKey publicKey,
      Duration lifetime) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("request.id", requestId);
    m.put("requester.client.id", consoleId);
    m.putAll(metrics);
    if (key != null) {
      long now = System.currentTimeMillis();
      m.putAll(
          CommandSignature.sign(
              ModelProtocol.APP_ID,
              method,
              List.of(resource),
              consoleId,
              metrics,
              body,
              device,
              now,
              now + lifetime.toMillis(),
              key,
              publicKey));
    }
    return new KuraPayload(System.currentTimeMillis(), null, m, body);
  }

  /**
   * Sends a signed command of its own to one device (EXEC activate, rollback, cancel) and waits for
   * the reply.
   *
   * @return the reply's metrics, or null when none came in time
   */
  public Map<String, Object> command(
      String device, String method, String resource, Map<String, Object> metrics, Duration timeout)
      throws InterruptedException {
    String id = nextRequestId();
    java.util.concurrent.CompletableFuture<Map<String, Object>> answer =
        new java.util.concurrent.CompletableFuture<>();
    pendingCommands.put(id, answer);
    loop.execute(() -> request(device, method, resource, id, metrics));
    try {
      return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return null;
    } finally {
      pendingCommands.remove(id);
    }
  }

  private void publish(String topic, KuraPayload payload) {
    try {
      client.publish(topic, KuraPayloadCodec.encode(payload), 1, false);
    } catch (MqttException e) {
      LOG.warn("publish to {} failed: {}", topic, e.getMessage());
    }
  }

  // ---------------------------------------------------------------- reporting

  /** Writes the rollout's row and the rows of the devices that changed since the last save. */
  private void save() {
    if (rollout == null || store == null || !dirty) {
      return;
    }
    try {
      store.save(rollout, changed.values());
      changed.clear();
      dirty = false;
      lastSave = System.currentTimeMillis();
    } catch (IOException e) {
      // Kept dirty: the next tick tries again with every change since.
      LOG.error("cannot save the rollout: {}", e.getMessage());
    }
  }

  /**
   * Rows of the periodic table; a larger fleet is summed up (a national rollout would print 75,476
   * lines).
   */
  static final int TABLE_ROWS = 40;

  /**
   * Prints the devices: the rollout's when one runs, else every device seen; summed up past {@link
   * #TABLE_ROWS}.
   */
  public void printTable() {
    Map<String, DeviceRecord> rows = rollout != null ? rollout.devices : seen;
    out.println(summary(rows.values(), TABLE_ROWS));
  }

  /**
   * The devices per phase, then the rows that need a look first (failed, retrying, in progress,
   * offline), at most {@code limit}; the whole table when the fleet is that small.
   */
  static String summary(java.util.Collection<DeviceRecord> rows, int limit) {
    if (rows.size() <= limit) {
      return table(rows);
    }
    Map<Phase, Long> phases = new java.util.EnumMap<>(Phase.class);
    rows.forEach(r -> phases.merge(r.phase, 1L, Long::sum));
    long offline = rows.stream().filter(r -> !r.online).count();
    List<DeviceRecord> first =
        rows.stream()
            .sorted(
                java.util.Comparator.comparingInt(FleetConsole::urgency)
                    .thenComparing(r -> r.clientId))
            .limit(limit)
            .toList();
    return String.format(Locale.ROOT, "%d devices: %s, %d offline%n", rows.size(), phases, offline)
        + table(first)
        + String.format(Locale.ROOT, "... %d more%n", rows.size() - first.size());
  }

  private static int urgency(DeviceRecord r) {
    return switch (r.phase) {
      case FAILED -> 0;
      case RETRY_WAIT -> 1;
      case IN_PROGRESS -> r.online ? 2 : 3;
      case WAITING -> r.online ? 5 : 4;
      case DONE -> 6;
    };
  }

  static String table(Iterable<DeviceRecord> rows) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "%-20s %-11s %-12s %5s %-10s %3s %-8s %-8s %s%n",
            "DEVICE",
            "PHASE",
            "STATUS",
            "PROG",
            "MODEL",
            "TRY",
            "ONLINE",
            "SEEN",
            "REASON"));
    for (DeviceRecord r : rows) {
      s.append(
          String.format(
              Locale.ROOT,
              "%-20s %-11s %-12s %4d%% %-10s %3d %-8s %-8s %s%n",
              r.clientId,
              r.phase,
              r.status.isEmpty() ? r.deviceState : r.status,
              r.progress,
              r.modelVersion.isEmpty() ? "?" : r.modelVersion,
              r.attempts,
              r.online ? "yes" : "no",
              r.lastSeenMillis == 0 ? "-" : CLOCK.format(Instant.ofEpochMilli(r.lastSeenMillis)),
              r.reason.isEmpty() ? "" : r.reason + ": " + r.message));
    }
    return s.toString();
  }

  /** The devices seen so far (for {@code fleet status}). */
  public List<DeviceRecord> devices() throws Exception {
    return loop.submit(() -> List.copyOf(seen.values())).get(10, TimeUnit.SECONDS);
  }

  /** What the console served: chunks and their bytes. */
  public long[] served() throws Exception {
    return loop.submit(() -> new long[] {chunksServed, chunkBytesServed}).get(10, TimeUnit.SECONDS);
  }

  /** The rollout state now, as it would be saved. */
  RolloutState state() throws Exception {
    return loop.submit(() -> rollout).get(10, TimeUnit.SECONDS);
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Saves the last state and disconnects. Idempotent: the command closes the console at its end and
   * a shutdown hook closes it again at a stop; the second caller waits for the first and does
   * nothing more.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      loop.submit(this::save).get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      save();
    } catch (Exception e) {
      // The loop is stuck or was interrupted: stop it, then save from here so the last state still
      // reaches disk.
      loop.shutdownNow();
      try {
        loop.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
      }
      save();
    }
    loop.shutdownNow();
    if (ownsStore && store != null) {
      store.close();
    }
    try {
      client.disconnect(2_000).waitForCompletion(3_000);
    } catch (MqttException e) {
      // going away
    }
    try {
      client.close(true);
    } catch (MqttException e) {
      // going away
    }
  }

  /** Halts the rollout now: no device is started any more; devices in progress finish. */
  void halt(String reason) throws Exception {
    loop.submit(
            () -> {
              if (rollout != null && !rollout.halted) {
                rollout.halted = true;
                rollout.haltReason = reason;
                dirty = true;
                out.println("HALTED: " + reason);
              }
            })
        .get(10, TimeUnit.SECONDS);
  }
}
