// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.api.remote.RemoteChannel;
import org.watchpost.api.remote.Request;
import org.watchpost.api.remote.Response;
import org.watchpost.models.packaging.TrustedKeys;
import org.watchpost.models.protocol.CommandSignature;
import org.watchpost.models.protocol.ModelProtocol;

/**
 * The device's model manager without OSGi: receives packages (HTTPS or MQTT chunks, both
 * resumable), verifies and unpacks them into the candidate slot, validates the candidate beside the
 * active model, activates it through the detector's {@link ModelSwitch} between two frames, watches
 * it in probation and rolls back on failure. Every change of what runs goes through the pointer
 * file first, so a crash at any point leaves a complete, verified model to start from.
 *
 * <p>This class only dispatches MODEL-V1 requests to the units that do the work:
 *
 * <ul>
 *   <li>{@link CommandGate}: signature, expiry, nonce and scope of every command (uplink's request
 *       thread);
 *   <li>{@link TransferJob}: the transfer in progress, over MQTT chunks or HTTPS ({@code
 *       models-download});
 *   <li>{@link Installer}: verify, policy, unpack into a slot, validate;
 *   <li>{@link Probation}: activation, probation, rollback;
 *   <li>{@link Recovery}: what the last run left, at start;
 *   <li>{@link Pointer}: the pointer file and floors; {@link Snapshot}: what GET and health report;
 *       {@link Notifier}: notifications to the console; {@link Refusals}: the counters of what was
 *       refused.
 * </ul>
 *
 * <p>Every state change runs on the one worker thread of the {@link WorkQueue}, and each unit
 * checks it; HTTPS downloads run on a thread of their own; the uplink's request thread only checks
 * signatures and hands work over.
 */
final class ModelManager implements AutoCloseable {
  /** Bytes a chunk message carries besides the chunk: topic, metrics, framing. */
  static final int CHUNK_OVERHEAD_BYTES = 220;

  private final WorkQueue work;
  private final Refusals refusals = new Refusals();
  private final Notifier notifier;
  private final CommandGate gate;
  private final Pointer pointer;
  private final Snapshot snapshot;
  private final TransferJob transfers;
  private final Probation probation;
  private final Installer installer;
  private final Recovery recovery;

  ModelManager(ModelsSettings settings, ModelSwitch modelSwitch, Supplier<RemoteChannel> channel) {
    SlotStore slots = new SlotStore(settings.stateDir());
    IncomingStore incoming = new IncomingStore(settings.stateDir());
    StateFile<DeviceState> stateFile =
        new StateFile<>(settings.stateDir().resolve("state.json"), DeviceState.class);
    this.work = new WorkQueue(settings.workQueue());
    this.notifier = new Notifier(channel, modelSwitch);
    TrustedKeys consoleKeys = CommandAuthority.loadKeys(settings.consoleKeys());
    this.gate = new CommandGate(settings, consoleKeys, notifier, refusals);
    refusals.keysSkipped(consoleKeys.skipped().size());
    this.pointer = new Pointer(stateFile, work);
    this.snapshot = new Snapshot(pointer, notifier, this::currentJob);
    this.transfers =
        new TransferJob(
            settings, incoming, work, pointer, notifier, snapshot, refusals, this::install);
    this.probation = new Probation(settings, modelSwitch, slots, pointer, notifier, work, snapshot);
    this.installer =
        new Installer(
            settings,
            modelSwitch,
            slots,
            incoming,
            pointer,
            transfers,
            probation,
            notifier,
            work,
            snapshot);
    this.recovery =
        new Recovery(settings, modelSwitch, slots, pointer, probation, notifier, refusals, work);
  }

  private TransferJob.Job currentJob() {
    return transfers.current();
  }

  private void install() {
    installer.install();
  }

  // ------------------------------------------------------------------ start: recovery

  /**
   * Recovers from whatever the last run left (see the class comment) and resumes a transfer; waits
   * for it.
   */
  void start() {
    recover();
    resumeTransfers();
  }

  /**
   * Puts the model the pointer file names in place (or the one before it, or the factory model);
   * waits for it.
   */
  void recover() {
    work.call(
        () -> {
          recovery.recover();
          snapshot.publish();
          return null;
        },
        120);
  }

  /** Goes on with a transfer or installation the last run left unfinished. */
  void resumeTransfers() {
    work.call(
        () -> {
          transfers.resume();
          snapshot.publish();
          return null;
        },
        30);
  }

  // ------------------------------------------------------------------ requests (uplink thread)

  /**
   * Answers a request on the uplink's request thread. GET is read-only and unsigned (a console must
   * discover its fleet before it can address it); PUT package and every EXEC need a console
   * signature for this device; PUT chunk carries bytes that are checked against the hash list of
   * the signed PUT package.
   */
  Response handle(Request request) {
    String resource = request.resource(0);
    try {
      return switch (request.method() + " " + resource) {
        case "GET models", "GET " -> work.call(this::describe, 10);
        case "PUT package" -> {
          boolean token = Boolean.TRUE.equals(request.metrics().get(ModelProtocol.ROLLBACK));
          CommandSignature.Claims claims = gate.authorize(request, token);
          yield claims == null
              ? gate.refusal()
              : work.call(() -> transfers.start(request, token), 30);
        }
        case "PUT chunk" -> {
          if (!work.offer(() -> transfers.chunk(request))) {
            refusals.chunksDropped.incrementAndGet();
          }
          yield null;
        }
        case "EXEC activate" ->
            gate.authorize(request, false) == null
                ? gate.refusal()
                : work.call(probation::activateCandidate, 120);
        case "EXEC rollback" ->
            gate.authorize(request, true) == null
                ? gate.refusal()
                : work.call(() -> probation.rollbackByRequest(request), 120);
        case "EXEC cancel" ->
            gate.authorize(request, false) == null
                ? gate.refusal()
                : work.call(() -> transfers.cancel(request), 30);
        default ->
            Response.error(
                404,
                "MODEL-V1 has no "
                    + request.method()
                    + " "
                    + String.join("/", request.resources()));
      };
    } catch (WorkQueue.Busy e) {
      refusals.requestsDropped.incrementAndGet();
      return Response.error(503, e.getMessage());
    } catch (RuntimeException e) {
      return Response.error(500, e.getMessage());
    }
  }

  /**
   * Text from the network as it may go into a log line or a health metric: short, no control
   * characters.
   */
  static String printable(String s) {
    if (s == null) {
      return "";
    }
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return cut.replaceAll("[^A-Za-z0-9._:@/-]", "?");
  }

  void linkUp() {
    work.internal(transfers::linkUp);
  }

  private Response describe() {
    Map<String, Object> m = new LinkedHashMap<>(snapshot.get());
    RemoteChannel c = notifier.channel();
    if (c != null) {
      m.put(ModelProtocol.CLIENT_ID, c.clientId());
    }
    return new Response(200, m, historyJson());
  }

  private byte[] historyJson() {
    return new com.google.gson.Gson()
        .toJson(pointer.state().history)
        .getBytes(StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ reporting

  /** The state as health reports it, with the counters of what was refused or dropped. */
  Map<String, Object> snapshot() {
    Map<String, Object> m = new LinkedHashMap<>(snapshot.get());
    refusals.putInto(m);
    m.put("queue", (long) work.queued());
    m.put("nonces", (long) gate.liveNonces());
    m.put("last_refusal", refusals.last());
    return m;
  }

  /** Runs queued work to completion: for tests and a clean stop. */
  void awaitIdle(long timeoutMillis) {
    work.call(() -> null, (int) Math.max(1, timeoutMillis / 1000));
  }

  @Override
  public void close() {
    work.stopTimer();
    transfers.close();
    work.close();
    probation.close();
  }
}
