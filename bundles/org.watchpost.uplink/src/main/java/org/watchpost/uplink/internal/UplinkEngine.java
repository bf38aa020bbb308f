package org.watchpost.uplink.internal;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;
import org.watchpost.api.health.HealthAlarm;
import org.watchpost.api.health.HealthReport;
import org.watchpost.api.health.MetricsProvider;
import org.watchpost.uplink.codec.KuraPayload;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * The uplink without OSGi: takes events and health, stores them in the outbox, and sends them over one MQTT
 * connection in priority order within the bandwidth budget.
 *
 * <p>Three threads: callers only queue (never blocking on disk or network); the writer commits queued
 * messages to the outbox in groups; the link thread connects (backoff, watchdog), sends BIRTH, then sends
 * from the outbox: highest priority first, then seq, batching runs of one topic when more than one waits,
 * each send paced by the governor. A message leaves the outbox only on its PUBACK.
 */
public final class UplinkEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(UplinkEngine.class);
  private static final int INTAKE_CAPACITY = 100_000;
  private static final int WRITE_GROUP = 512;
  /** Extra room in the announced Maximum Packet Size beyond the largest request: topic, properties, header. */
  private static final int PACKET_HEADROOM = 8192;

  private final UplinkConfig config;
  private final String account;
  private final String clientId;
  private final PayloadMapper mapper;
  private final Outbox outbox;
  private final BandwidthGovernor governor;
  private final BrokerConnector connector;
  private final ConnectSpec spec;
  private final DeviceInfo device;
  private final EventFolder folder = new EventFolder();
  private final int perPacketOverhead;
  private final Consumer<List<Outbox.Stored>> storedListener;
  private final RetryPolicy<MqttLink> retry;
  private final RequestRouter router;
  private final boolean ownsRouter;
  /** Bytes expected back for messages in flight or waiting (chunk requests), by seq; this run only. */
  private final Map<Long, Integer> replyBytes = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile Set<String> subscribedAppIds = Set.of();

  private final BlockingQueue<Outbox.Draft> intake = new ArrayBlockingQueue<>(INTAKE_CAPACITY);
  private final AtomicLong intakeBytes = new AtomicLong();
  private final AtomicLong writeFailures = new AtomicLong();
  private volatile String writeError = "";
  private final AtomicLong quarantinedNow = new AtomicLong();
  private final ConcurrentLinkedQueue<Acked> acks = new ConcurrentLinkedQueue<>();
  private final Set<Long> inFlight = Collections.synchronizedSet(new HashSet<>());
  /** Delivered, but the outbox could not be written to remove them yet (a full disk): not sent again. */
  private final Set<Long> delivered = new HashSet<>();
  private boolean removeFailing;
  private final Object signal = new Object();
  private final Thread writer;
  private final Thread linkThread;
  private volatile boolean running = true;
  private volatile boolean accepting = true;
  private volatile MqttLink link;
  private volatile boolean linkLost;
  private volatile String lastError = "";
  private volatile boolean folding;
  private final long startNanos = System.nanoTime();

  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong intakeOverflow = new AtomicLong();
  private final AtomicLong rejectedByBroker = new AtomicLong();
  private final AtomicLong eventsPublished = new AtomicLong();
  private final AtomicLong connects = new AtomicLong();
  private final Map<String, AtomicLong> messagesByKind = new TreeMap<>();

  /** Messages acknowledged (or refused for good) by the broker, to be removed from the outbox. */
  private record Acked(List<Outbox.Stored> messages, Throwable error) {}

  public UplinkEngine(UplinkConfig config) {
    this(config, stored -> {});
  }

  /** @param storedListener told of every message once it is committed to the outbox (the crash test uses it) */
  UplinkEngine(UplinkConfig config, Consumer<List<Outbox.Stored>> storedListener) {
    this(config, storedListener, null);
  }

  /** @param router the request handlers to subscribe for; null for a router of its own */
  UplinkEngine(UplinkConfig config, Consumer<List<Outbox.Stored>> storedListener, RequestRouter router) {
    this.config = config;
    this.ownsRouter = router == null;
    RequestRouter.Limits limits = new RequestRouter.Limits(config.request_max_bytes(),
        RequestRouter.Limits.DEFAULT.queueRequests(), config.request_queue_bytes(), config.requests_all_per_minute());
    this.router = router == null ? new RequestRouter(limits) : router;
    if (router != null) {
      router.limits(limits);
    }
    this.storedListener = storedListener;
    this.device = DeviceInfo.of(config);
    this.account = config.account();
    this.clientId = device.clientId();
    // Validates both as topic levels before anything starts.
    KuraTopic.control(account, clientId, KuraTopic.Kind.BIRTH);
    this.mapper = new PayloadMapper(account, clientId, config.include_box());
    this.perPacketOverhead = config.per_packet_overhead_bytes();
    this.governor = new BandwidthGovernor(config.budget_bits_per_s(), config.burst_s(),
        2L * (8 + 2L * perPacketOverhead), System::nanoTime);
    this.connector = new BrokerConnector(config.protocol(), config.max_inflight());
    SSLSocketFactory tls = TlsSockets.create(config.tls_ca_file(), config.tls_client_keystore(),
        config.tls_client_keystore_password().toCharArray());
    this.spec = new ConnectSpec(config.broker_url(), clientId, blankToNull(config.username()),
        config.password().isEmpty() ? null : config.password().getBytes(StandardCharsets.UTF_8),
        config.keep_alive_s(), config.connect_timeout_s(), tls, config.tls_hostname_verification(),
        KuraTopic.control(account, clientId, KuraTopic.Kind.LAST_WILL).topic(),
        KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, Map.of(), null)),
        config.inbound_max_packet_bytes() > 0 ? config.inbound_max_packet_bytes()
            : (int) Math.min(Integer.MAX_VALUE, (long) config.request_max_bytes() + PACKET_HEADROOM));
    var builder = RetryPolicy.<MqttLink>builder().handle(MqttLink.LinkException.class);
    if (config.reconnect_max_ms() > config.reconnect_initial_ms()) {
      builder.withBackoff(Duration.ofMillis(config.reconnect_initial_ms()), Duration.ofMillis(config.reconnect_max_ms()));
    } else {
      builder.withDelay(Duration.ofMillis(config.reconnect_initial_ms()));
    }
    this.retry = builder
        .withJitter(config.reconnect_jitter())
        .withMaxRetries(-1)
        .abortIf(l -> !running)
        .onRetry(e -> LOG.info("reconnecting to {} (attempt {})", spec.serverUri(), e.getAttemptCount() + 1))
        .build();
    this.outbox = new Outbox(Path.of(config.outbox_path()), config.outbox_max_bytes());
    LOG.info("uplink to {} as {}/{}: outbox {} holds {} messages, next seq {}; budget {}", config.broker_url(),
        account, clientId, outbox.file(), outbox.depth(), outbox.nextSeq(),
        governor.capped() ? config.budget_bits_per_s() + " bit/s" : "none");
    writer = new Thread(this::writeLoop, "uplink-outbox-writer");
    linkThread = new Thread(this::linkLoop, "uplink-link");
    writer.start();
    linkThread.start();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  // ---------------------------------------------------------------- intake (caller threads)

  public void publish(Event event) {
    if (event.priority() != Priority.ALARM && folding) {
      folder.fold(event);
      return;
    }
    submit(mapper.event(event));
  }

  public void publish(CountSummary counts) {
    submit(mapper.counts(counts));
  }

  public void alarm(HealthAlarm alarm) {
    submit(mapper.alarm(alarm));
  }

  public void report(HealthReport report) {
    submit(mapper.report(report, report.subject().equals("device") ? deviceMetrics() : Map.of()));
  }

  /** What the uplink adds to the device's health report: its own state. */
  private Map<String, Object> deviceMetrics() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(MetricsProvider.UPLINK_CONNECTED, link != null);
    m.put(MetricsProvider.OUTBOX_DEPTH, outbox.depth());
    m.put("outbox_bytes", outbox.storedBytes());
    outbox.dropped().forEach((p, n) -> {
      if (n > 0) {
        m.put("dropped_" + p.name().toLowerCase(java.util.Locale.ROOT), n);
      }
    });
    m.put("refused", refused.get());
    m.put("folded", folder.foldedTotal());
    metrics().forEach(m::putIfAbsent);
    return m;
  }

  /** Queues a message for the outbox; false when it was refused (too large) or the queue was full. */
  boolean submit(Message message) {
    return submit(message, 0);
  }

  boolean submit(Message message, int expectedReplyBytes) {
    if (!accepting) {
      LOG.warn("uplink is stopping; message to {} not taken", message.topic());
      return false;
    }
    int size = message.maxEncodedSize();
    long limit = largestPayload(message.topic().topic());
    if (size > limit) {
      refused.incrementAndGet();
      LOG.warn("refused a message to {}: {} bytes, over the limit of {} bytes", message.topic(), size, limit);
      return false;
    }
    Outbox.Draft draft = new Outbox.Draft(message.priority(), message.topic().topic(), message::encode,
        expectedReplyBytes, size);
    while (intakeBytes.get() + size > config.intake_max_bytes() || !intake.offer(draft)) {
      // Only while the disk cannot keep up (or is full): a higher priority pushes out the lowest waiting one.
      Outbox.Draft victim = lowestBelow(message.priority());
      if (victim == null) {
        intakeOverflow.incrementAndGet();
        LOG.warn("uplink intake full ({} messages, {} bytes waiting for the disk); message to {} dropped",
            intake.size(), intakeBytes.get(), message.topic());
        return false;
      }
      if (intake.remove(victim)) {
        intakeBytes.addAndGet(-victim.size());
        intakeOverflow.incrementAndGet();
      }
    }
    intakeBytes.addAndGet(size);
    return true;
  }

  /** The waiting draft of the lowest priority below {@code p}, the newest of them; null when there is none. */
  private Outbox.Draft lowestBelow(Priority p) {
    Outbox.Draft victim = null;
    for (Outbox.Draft d : intake) {
      if (d.priority().ordinal() > p.ordinal() && (victim == null || d.priority().ordinal() >= victim.priority().ordinal())) {
        victim = d;
      }
    }
    return victim;
  }

  /** The largest payload that can go to this topic: the configured limit, and what one budget window can carry. */
  long largestPayload(String topic) {
    long limit = config.max_message_bytes();
    if (governor.capped()) {
      long framing = MqttFraming.publish(MqttFraming.utf8Length(topic), 0, 3, true) + 6 + 2L * perPacketOverhead;
      limit = Math.min(limit, governor.largestSend() - framing);
    }
    return limit;
  }

  // ---------------------------------------------------------------- writer thread

  private void writeLoop() {
    List<Outbox.Draft> group = new ArrayList<>(WRITE_GROUP);
    long nextFoldCheck = 0;
    while (running || !intake.isEmpty()) {
      try {
        if (running && System.nanoTime() >= nextFoldCheck) {
          updateFolding();
          nextFoldCheck = System.nanoTime() + 1_000_000_000L;
        }
        Outbox.Draft first = intake.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        group.add(first);
        intake.drainTo(group, WRITE_GROUP - 1);
        // Out of the intake's byte count: while the disk is full, intake bounds what waits behind this group.
        group.forEach(d -> intakeBytes.addAndGet(-d.size()));
        Outbox.AppendResult result = appendUntilWritten(group);
        if (result == null) {
          LOG.error("uplink stopped while the outbox could not be written ({}); {} messages not stored", writeError,
              group.size());
          continue;
        }
        if (result.refused() > 0 || !result.droppedSeqs().isEmpty()) {
          LOG.warn("outbox full ({} bytes): dropped {} stored and {} new messages; dropped so far by priority {}",
              outbox.maxBytes(), result.droppedSeqs().size(), result.refused(), outbox.dropped());
        }
        for (Outbox.Stored stored : result.stored()) {
          if (stored.replyBytes() > 0) {
            replyBytes.put(stored.seq(), stored.replyBytes());
          }
        }
        // Dropped to make room (some of them stored by this very append): the replies they would have waited
        // for will not come, so their bookkeeping goes too (issue 19).
        result.droppedSeqs().forEach(replyBytes::remove);
        storedListener.accept(result.stored());
        wake();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.error("storing {} messages failed; they are lost: {}", group.size(), e.getMessage(), e);
      } finally {
        group.clear();
      }
    }
  }

  /**
   * Appends the group, retrying with backoff for as long as the outbox cannot be written (a full disk, an I/O
   * error): the group stays in memory meanwhile and intake bounds what waits behind it. Null only when the
   * engine stops first.
   */
  private Outbox.AppendResult appendUntilWritten(List<Outbox.Draft> group) throws InterruptedException {
    long delayMillis = 50;
    while (true) {
      try {
        Outbox.AppendResult result = outbox.append(group, System.currentTimeMillis());
        if (!writeError.isEmpty()) {
          LOG.info("the outbox is written again after {} failed attempts: {}", writeFailures.get(), writeError);
          writeError = "";
        }
        return result;
      } catch (IllegalStateException e) {
        writeFailures.incrementAndGet();
        if (writeError.isEmpty()) {
          LOG.error("{}; {} messages kept in memory and retried", e.getMessage(), group.size() + intake.size());
        }
        writeError = e.getMessage();
      }
      if (!running) {
        return null;
      }
      // A hand-rolled backoff: Failsafe would hold the group in a closure just the same, and this loop must
      // give up at once when the engine stops, which a sleep checked against running does.
      Thread.sleep(delayMillis);
      delayMillis = Math.min(delayMillis * 2, 2_000);
    }
  }

  // ---------------------------------------------------------------- link thread

  private void wake() {
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  private void await(long millis) throws InterruptedException {
    synchronized (signal) {
      if (acks.isEmpty()) {
        signal.wait(Math.max(1, millis));
      }
    }
  }

  private void linkLoop() {
    while (running) {
      try {
        MqttLink connected = Failsafe.with(retry).get(this::connectOnce);
        if (connected == null || !running) {
          if (connected != null) {
            connected.closeForcibly();
          }
          break;
        }
        sendLoop(connected);
      } catch (FailsafeException e) {
        if (e.getCause() instanceof InterruptedException) {
          break;
        }
        LOG.warn("connect loop: {}", e.getMessage());
      } catch (InterruptedException e) {
        break;
      } catch (RuntimeException e) {
        LOG.error("uplink link thread failed; reconnecting: {}", e.getMessage(), e);
        sleepQuietly(config.reconnect_initial_ms());
      }
    }
  }

  private MqttLink connectOnce() throws MqttLink.LinkException, InterruptedException {
    if (!running) {
      return null;
    }
    boolean mqtt5Guess = !config.protocol().equals("3.1.1");
    long connectCost = spec.connectPacketBytes(mqtt5Guess) + MqttFraming.connAckBound(mqtt5Guess)
        + 2L * perPacketOverhead + (spec.socketFactory() != null ? config.tls_handshake_bytes() : 0);
    waitForBudget(Math.min(connectCost, governor.largestSend()));
    governor.chargeUnavoidable(connectCost);
    linkLost = false;
    try {
      MqttLink connected = connector.connect(spec, this::onConnectionLost, this::onInbound);
      connects.incrementAndGet();
      if (!lastError.isEmpty()) {
        LOG.info("connected to {} over MQTT {} after: {}", spec.serverUri(), connected.protocol(), lastError);
      } else {
        LOG.info("connected to {} over MQTT {}", spec.serverUri(), connected.protocol());
      }
      lastError = "";
      return connected;
    } catch (MqttLink.LinkException e) {
      if (!e.getMessage().equals(lastError)) {
        LOG.warn("{}; retrying with backoff", e.getMessage());
      }
      lastError = e.getMessage();
      throw e;
    }
  }

  private void onConnectionLost(Throwable cause) {
    linkLost = true;
    String message = "connection to " + spec.serverUri() + " lost: "
        + (cause != null ? cause.getMessage() : "no reason given");
    lastError = message;
    LOG.warn(message);
    wake();
  }

  /** A message the broker delivered (a request): counted on the inbound ledger, handed to the router. */
  private void onInbound(String topic, byte[] payload, boolean retained) {
    MqttLink current = link;
    long bytes = (current != null ? current.publishPacketBytes(topic, payload.length) + current.pubAckBytes()
        : MqttFraming.publish(MqttFraming.utf8Length(topic), payload.length, 0, false) + 4) + 2L * perPacketOverhead;
    // On the inbound ledger: what others send must not use up the budget that alarms go out on.
    governor.chargeInbound(bytes);
    router.arrived(account, clientId, topic, payload, retained, (replyTopic, metrics, body) ->
        submit(new Message(replyTopic, Priority.EVENT, System.currentTimeMillis(), metrics, body)));
  }

  /** Subscribes for request handlers registered since the last time; then tells them the link is up. */
  private void subscribeHandlers(MqttLink connected, boolean fresh) throws InterruptedException {
    Set<String> wanted = router.appIds();
    Set<String> missing = new java.util.TreeSet<>(wanted);
    if (!fresh) {
      missing.removeAll(subscribedAppIds);
    }
    if (missing.isEmpty()) {
      if (fresh) {
        subscribedAppIds = wanted;
      }
      return;
    }
    String[] filters = RequestRouter.filters(account, clientId, missing);
    long cost = connected.subscribeBytes(filters) + 2L * perPacketOverhead;
    waitForBudget(Math.min(cost, governor.largestSend()));
    governor.charge(cost);
    try {
      connected.subscribe(filters, config.connect_timeout_s() * 1000L);
      subscribedAppIds = wanted;
      LOG.info("subscribed for remote requests to {}", String.join(", ", filters));
      router.linkUp();
    } catch (MqttLink.LinkException e) {
      linkLost = true;
      lastError = e.getMessage();
      LOG.warn("{}; reconnecting", e.getMessage());
    }
  }

  /** Queues a notification of a request handler. */
  public boolean notify(org.watchpost.api.remote.Notification n) {
    KuraTopic topic;
    try {
      topic = KuraTopic.application(account, clientId, n.appId(), "NOTIFY", n.requesterClientId(), n.resource());
    } catch (IllegalArgumentException e) {
      // A requester a handler kept from before the topic rules (a persisted job): refused here, not in the client.
      refused.incrementAndGet();
      LOG.warn("notification not sent: {}", e.getMessage());
      return false;
    }
    return submit(new Message(topic, n.priority(), System.currentTimeMillis(), n.metrics(), null), n.replyBytes());
  }

  public String clientId() {
    return clientId;
  }

  RequestRouter router() {
    return router;
  }

  private void waitForBudget(long bytes) throws InterruptedException {
    long delay;
    while (running && (delay = governor.delayNanos(bytes)) > 0) {
      TimeUnit.NANOSECONDS.sleep(Math.min(delay, 500_000_000L));
    }
  }

  private void sendLoop(MqttLink connected) throws InterruptedException {
    link = connected;
    inFlight.clear();
    acks.clear();
    try {
      sendBirth(connected);
      subscribeHandlers(connected, true);
      long nextPingCharge = System.nanoTime() + config.keep_alive_s() * 1_000_000_000L;
      while (running && !linkLost) {
        processAcks();
        if (!subscribedAppIds.equals(router.appIds())) {
          subscribeHandlers(connected, false);
        }
        long now = System.nanoTime();
        if (now >= nextPingCharge) {
          governor.chargeUnavoidable(connected.pingBytes() + 2L * perPacketOverhead);
          nextPingCharge = now + config.keep_alive_s() * 1_000_000_000L;
        }
        if (inFlight.size() >= Math.min(config.max_inflight(), connected.maxInflight())) {
          await(100);
          continue;
        }
        List<Outbox.Stored> waiting = outbox.next(config.batch_max(), snapshotInFlight());
        if (waiting.isEmpty()) {
          await(1_000);
          continue;
        }
        List<Outbox.Stored> group = headRun(waiting);
        byte[] wire = group.size() == 1 ? group.get(0).payload()
            : KuraPayloadCodec.encodeBatch(System.currentTimeMillis(), payloads(group));
        String topic = group.get(0).topic();
        long brokerMax = brokerMaxPacket(connected);
        if (group.size() > 1 && connected.publishPacketBytes(topic, wire.length) > brokerMax) {
          group = group.subList(0, 1);
          wire = group.get(0).payload();
        }
        String unsendable = unsendable(connected, topic, wire.length, brokerMax);
        if (unsendable != null) {
          quarantine(group, unsendable);
          continue;
        }
        long cost = connected.publishPacketBytes(topic, wire.length) + connected.pubAckBytes() + 2L * perPacketOverhead;
        if (governor.capped() && cost > governor.largestSend()) {
          // Only a batch can get here (single messages are bounded at intake): send fewer at once.
          group = group.subList(0, 1);
          wire = group.get(0).payload();
          cost = connected.publishPacketBytes(topic, wire.length) + connected.pubAckBytes() + 2L * perPacketOverhead;
        }
        long reserve = 0;
        for (Outbox.Stored s : group) {
          reserve += replyBytes.getOrDefault(s.seq(), 0);
        }
        long delay = governor.delayNanos(Math.min(cost + reserve, Math.max(cost, governor.largestSend())));
        if (delay > 0) {
          // Wait, then choose again: an alarm that arrives meanwhile goes first.
          await(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(delay) + 1, 1_000)));
          continue;
        }
        governor.charge(cost);
        List<Outbox.Stored> sent = List.copyOf(group);
        sent.forEach(s -> inFlight.add(s.seq()));
        try {
          connected.publish(topic, wire, error -> {
            acks.add(new Acked(sent, error));
            wake();
          });
        } catch (MqttLink.LinkException e) {
          sent.forEach(s -> inFlight.remove(s.seq()));
          if (e.getCause() instanceof IllegalArgumentException) {
            // The client refused this message itself (it cannot encode it): no reconnect would change that.
            quarantine(sent, "the MQTT client refused it: " + e.getCause().getMessage());
            continue;
          }
          lastError = e.getMessage();
          LOG.warn("{}; reconnecting", e.getMessage());
          break;
        }
      }
    } finally {
      link = null;
      if (running) {
        connected.closeForcibly();
        inFlight.clear();
        acks.clear();
      } else {
        link = connected;
      }
    }
  }

  /**
   * Why this publish can never be sent on this connection, or null: a topic outside the device's topic rules
   * (the client may refuse to encode it and drop the connection: issue 12), or a packet over the broker's
   * Maximum Packet Size (the broker would end the connection).
   */
  static String unsendable(MqttLink connected, String topic, int payloadLength, long brokerMax) {
    String problem = KuraTopic.topicProblem(topic);
    if (problem != null) {
      return "topic refused: " + problem;
    }
    long packet = connected.publishPacketBytes(topic, payloadLength);
    if (packet > brokerMax) {
      return "a packet of " + packet + " bytes, more than the broker's maximum of " + brokerMax;
    }
    return null;
  }

  /**
   * The largest packet the broker takes: what it said on connect (MQTT 5), and what the configuration says it
   * takes (the only way to know over MQTT 3.1.1).
   */
  private long brokerMaxPacket(MqttLink connected) {
    long configured = config.broker_max_packet_bytes();
    return configured > 0 ? Math.min(configured, connected.maxOutgoingPacketBytes()) : connected.maxOutgoingPacketBytes();
  }

  /** Moves messages that can never be sent out of the send path, so that they block nothing behind them. */
  private void quarantine(List<Outbox.Stored> messages, String reason) {
    LOG.error("{} message(s) from seq {} to {} can never be sent ({}); moved to the outbox's quarantine",
        messages.size(), messages.get(0).seq(), KuraTopic.printable(messages.get(0).topic()), reason);
    outbox.quarantine(messages, reason);
    messages.forEach(s -> replyBytes.remove(s.seq()));
    quarantinedNow.addAndGet(messages.size());
  }

  private Set<Long> snapshotInFlight() {
    Set<Long> out;
    synchronized (inFlight) {
      out = new HashSet<>(inFlight);
    }
    out.addAll(delivered);
    return out;
  }

  /** The first waiting message and those right after it with the same topic and priority. */
  private static List<Outbox.Stored> headRun(List<Outbox.Stored> waiting) {
    Outbox.Stored head = waiting.get(0);
    int n = 1;
    while (n < waiting.size() && waiting.get(n).topic().equals(head.topic())
        && waiting.get(n).priority() == head.priority()) {
      n++;
    }
    return waiting.subList(0, n);
  }

  private static List<byte[]> payloads(List<Outbox.Stored> group) {
    List<byte[]> out = new ArrayList<>(group.size());
    group.forEach(s -> out.add(s.payload()));
    return out;
  }

  private void processAcks() {
    List<Long> acknowledged = new ArrayList<>();
    Acked acked;
    while ((acked = acks.poll()) != null) {
      if (acked.error() == null || acked.error() instanceof BrokerRefusedException) {
        if (acked.error() != null) {
          rejectedByBroker.addAndGet(acked.messages().size());
          LOG.error("{}; {} messages removed from the outbox ({} bytes)", acked.error().getMessage(),
              acked.messages().size(), acked.messages().stream().mapToInt(s -> s.payload().length).sum());
        } else {
          count(acked.messages());
        }
        acked.messages().forEach(s -> acknowledged.add(s.seq()));
      } else {
        acked.messages().forEach(s -> inFlight.remove(s.seq()));
      }
    }
    if (!acknowledged.isEmpty()) {
      acknowledged.forEach(replyBytes::remove);
      delivered.addAll(acknowledged);
      acknowledged.forEach(inFlight::remove);
    }
    if (!delivered.isEmpty()) {
      try {
        outbox.remove(delivered);
        delivered.clear();
        if (removeFailing) {
          removeFailing = false;
          writeError = "";
        }
      } catch (IllegalStateException e) {
        // Kept and removed on the next pass; they are not sent again meanwhile.
        writeFailures.incrementAndGet();
        writeError = e.getMessage();
        removeFailing = true;
      }
    }
  }

  private void count(List<Outbox.Stored> delivered) {
    for (Outbox.Stored s : delivered) {
      KuraTopic topic = KuraTopic.parse(s.topic());
      String kind = topic == null ? "other" : topic.kind().key();
      synchronized (messagesByKind) {
        messagesByKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
      }
      if (topic != null && topic.kind() == KuraTopic.Kind.EVENTS) {
        eventsPublished.incrementAndGet();
      }
    }
  }

  private void sendBirth(MqttLink connected) throws InterruptedException {
    String topic = KuraTopic.control(account, clientId, KuraTopic.Kind.BIRTH).topic();
    Map<String, Object> metrics = device.birthMetrics();
    metrics.put("next_seq", outbox.nextSeq());
    metrics.put("outbox_depth", outbox.depth());
    metrics.put("uplink_protocol", connected.protocol());
    Set<String> apps = new java.util.TreeSet<>(router.appIds());
    for (String configured : config.application_ids().split(",")) {
      if (!configured.isBlank()) {
        apps.add(configured.strip());
      }
    }
    metrics.put("application_ids", String.join(",", apps));
    byte[] birth = KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, metrics, null));
    long cost = connected.publishPacketBytes(topic, birth.length) + connected.pubAckBytes() + 2L * perPacketOverhead;
    waitForBudget(Math.min(cost, governor.largestSend()));
    governor.charge(cost);
    try {
      connected.publish(topic, birth, error -> {
        if (error == null) {
          synchronized (messagesByKind) {
            messagesByKind.computeIfAbsent(KuraTopic.Kind.BIRTH.key(), k -> new AtomicLong()).incrementAndGet();
          }
        }
      });
    } catch (MqttLink.LinkException e) {
      linkLost = true;
      lastError = e.getMessage();
    }
  }

  /** Folding starts when the waiting events and alarms would take longer than fold_after_s to send. */
  private void updateFolding() {
    boolean shouldFold = false;
    if (governor.capped()) {
      long[] bytes = outbox.bytesByPriority();
      double urgent = bytes[Priority.ALARM.ordinal()] + bytes[Priority.EVENT.ordinal()];
      shouldFold = urgent / governor.bytesPerSecond() > config.fold_after_s();
    }
    if (shouldFold != folding) {
      LOG.info(shouldFold ? "over budget: events below alarm are folded into counts per rule"
          : "back within budget: events are sent one by one again");
      folding = shouldFold;
    }
    flushFolds(false);
  }

  private long lastFoldFlush = System.nanoTime();

  private void flushFolds(boolean now) {
    if (folder.isEmpty()) {
      lastFoldFlush = System.nanoTime();
      return;
    }
    if (!now && folding && System.nanoTime() - lastFoldFlush < config.fold_interval_s() * 1_000_000_000L) {
      return;
    }
    lastFoldFlush = System.nanoTime();
    for (EventFolder.Folded f : folder.drain()) {
      submit(mapper.folded(f.cameraId(), f.ruleId(), f.fromMillis(), f.toMillis(), f.counts()));
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- state

  /** Waits until everything handed to the uplink has been stored and acknowledged, at most the timeout. */
  public void settle(long timeoutMillis) {
    flushFolds(true);
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while ((!intake.isEmpty() || (link != null && outbox.depth() > 0)) && System.nanoTime() < deadline) {
      sleepQuietly(20);
    }
  }

  /** The summary fields of the demo. */
  public Map<String, Object> summary() {
    Map<String, Object> s = new LinkedHashMap<>();
    long bytes = governor.totalBytes();
    double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
    s.put("events_published", eventsPublished.get());
    s.put("uplink_bytes", bytes);
    s.put("uplink_bits_per_s", Math.round(bytes * 8 / seconds * 10) / 10.0);
    Map<String, Object> kinds = new TreeMap<>();
    synchronized (messagesByKind) {
      messagesByKind.forEach((k, v) -> kinds.put(k, v.get()));
    }
    s.put("messages_by_topic_kind", kinds);
    s.put("outbox_max_depth", outbox.maxDepth());
    s.put("dropped", outbox.droppedTotal() + intakeOverflow.get());
    Map<String, Object> droppedBy = new LinkedHashMap<>();
    outbox.dropped().forEach((p, n) -> droppedBy.put(p.name().toLowerCase(java.util.Locale.ROOT), n));
    s.put("dropped_by_priority", droppedBy);
    s.put("refused", refused.get());
    s.put("folded_events", folder.foldedTotal());
    s.put("outbox_depth", outbox.depth());
    s.put("uplink_connects", connects.get());
    s.put("uplink_protocol", link != null ? link.protocol() : "");
    s.put("uplink_last_error", lastError);
    return s;
  }

  /** Whether a broker connection is up and the outbox depth: quick, never waits for the disk. */
  public Map<String, Object> metrics() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(MetricsProvider.UPLINK_CONNECTED, link != null);
    m.put(MetricsProvider.OUTBOX_DEPTH, outbox.depth());
    m.put("outbox_quarantined", outbox.quarantined());
    m.put("outbox_write_failed", writeFailures.get());
    String error = writeError;
    if (!error.isEmpty()) {
      m.put("outbox_write_error", error);
    }
    m.put("intake_overflow", intakeOverflow.get());
    m.put("inbound_bytes", governor.inboundBytes());
    m.put("inbound_max_packet_bytes", spec.maxInboundPacketBytes());
    m.putAll(router.counters());
    return m;
  }

  boolean connected() {
    return link != null;
  }

  String lastError() {
    return lastError;
  }

  String protocol() {
    MqttLink l = link;
    return l == null ? null : l.protocol();
  }

  Outbox outbox() {
    return outbox;
  }

  BandwidthGovernor governor() {
    return governor;
  }

  /** Messages the engine keeps reply bookkeeping for. */
  int replyBookkeeping() {
    return replyBytes.size();
  }

  boolean folding() {
    return folding;
  }

  Map<Priority, Long> dropped() {
    return new EnumMap<>(outbox.dropped());
  }

  long refused() {
    return refused.get();
  }

  /**
   * A clean stop: commits what was queued, waits up to drain_on_stop_s for the outbox to empty, sends the
   * disconnect certificate and disconnects, so no last will is published.
   */
  @Override
  public void close() {
    accepting = false;
    flushFolds(true);
    long deadline = System.nanoTime() + config.drain_on_stop_s() * 1_000_000_000L;
    while (!intake.isEmpty() && System.nanoTime() < deadline + 5_000_000_000L) {
      sleepQuietly(10);
    }
    while (link != null && outbox.depth() > 0 && System.nanoTime() < deadline) {
      sleepQuietly(20);
    }
    running = false;
    wake();
    join(writer);
    linkThread.interrupt();
    join(linkThread);
    MqttLink last = link;
    if (last != null) {
      String dc = KuraTopic.control(account, clientId, KuraTopic.Kind.DISCONNECT).topic();
      Map<String, Object> metrics = new LinkedHashMap<>();
      metrics.put("outbox_depth", outbox.depth());
      last.disconnect(dc, KuraPayloadCodec.encode(new KuraPayload(System.currentTimeMillis(), null, metrics, null)),
          2_000);
      link = null;
    }
    connector.close();
    if (ownsRouter) {
      router.close();
    }
    outbox.close();
    LOG.info("uplink stopped: {}", summary());
  }

  private static void join(Thread thread) {
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
