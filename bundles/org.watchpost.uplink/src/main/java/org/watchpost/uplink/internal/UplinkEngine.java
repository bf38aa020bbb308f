// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.watchpost.uplink.cloud.CloudTransport;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * The uplink without OSGi: takes events and health, stores them in the outbox, and sends them over
 * one MQTT connection in priority order within the bandwidth budget. It wires the units and answers
 * for them:
 *
 * <ul>
 *   <li>{@link OutboxWriter}: callers queue into its intake, its thread commits to the {@link
 *       Outbox};
 *   <li>{@link Folding}: folds events below alarm into counts while the backlog is over budget;
 *   <li>{@link Sender}: chooses from the outbox (priority, seq, batches) and paces with the {@link
 *       BandwidthGovernor} in front of a {@link Transport};
 *   <li>{@link Session}: who owns the connection. Standalone the {@link ConnectionSupervisor}: the
 *       device's MQTT connection, with {@link Birth} and {@link RequestIntake} (subscriptions,
 *       inbound requests, replies and notifications); inside Kura a {@link CloudSession} in front
 *       of Kura's CloudPublisher (the Kura bundle's {@link CloudTransport}), with none of those:
 *       Kura has its own.
 * </ul>
 *
 * <p>Two threads of its own: {@code uplink-outbox-writer} and {@code uplink-link} (or {@code
 * uplink-cloud}); each unit says which of its state belongs to which thread and checks it. This
 * class holds no mutable state but {@link #running}.
 */
public final class UplinkEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(UplinkEngine.class);

  /**
   * Extra room in the announced Maximum Packet Size beyond the largest request: topic, properties,
   * header.
   */
  private static final int PACKET_HEADROOM = 8192;

  private final UplinkConfig config;
  private final String clientId;
  private final PayloadMapper mapper;
  private final Outbox outbox;
  private final BandwidthGovernor governor;
  private final ConnectSpec spec;
  private final Folding folding;
  private final HealthDeltas healthDeltas;
  private final OutboxWriter writer;
  private final Sender sender;
  private final RequestIntake requests;

  /** The device's own MQTT connection; null in front of a cloud connection. */
  private final ConnectionSupervisor supervisor;

  private final Session session;
  private volatile boolean running = true;
  private final long startNanos = System.nanoTime();

  public UplinkEngine(UplinkConfig config) {
    this(config, stored -> {});
  }

  /**
   * @param storedListener told of every message once it is committed to the outbox (the crash test
   *     uses it)
   */
  UplinkEngine(UplinkConfig config, Consumer<List<Outbox.Stored>> storedListener) {
    this(config, storedListener, null);
  }

  /**
   * @param router the request handlers to subscribe for; null for a router of its own
   */
  UplinkEngine(
      UplinkConfig config, Consumer<List<Outbox.Stored>> storedListener, RequestRouter router) {
    this(config, storedListener, router, null);
  }

  /**
   * The governed uplink in front of a cloud connection the device does not own (Kura's): the same
   * outbox, priorities, governor and folding, no MQTT session, BIRTH or last will of its own.
   */
  public UplinkEngine(UplinkConfig config, CloudTransport cloud) {
    this(config, stored -> {}, null, java.util.Objects.requireNonNull(cloud, "cloud"));
  }

  private UplinkEngine(
      UplinkConfig config,
      Consumer<List<Outbox.Stored>> storedListener,
      RequestRouter router,
      CloudTransport cloud) {
    this.config = config;
    boolean ownsRouter = router == null;
    RequestRouter.Limits limits =
        new RequestRouter.Limits(
            config.request_max_bytes(),
            RequestRouter.Limits.DEFAULT.queueRequests(),
            config.request_queue_bytes(),
            config.requests_all_per_minute());
    RequestRouter requestRouter = router == null ? new RequestRouter(limits) : router;
    if (router != null) {
      router.limits(limits);
    }
    DeviceInfo device = DeviceInfo.of(config);
    String account = config.account();
    this.clientId = device.clientId();
    // Validates both as topic levels before anything starts.
    KuraTopic.control(account, clientId, KuraTopic.Kind.BIRTH);
    this.mapper =
        new PayloadMapper(
            account, clientId, config.include_box(), "verbose".equals(config.payload_profile()));
    int perPacketOverhead = config.per_packet_overhead_bytes();
    this.governor =
        new BandwidthGovernor(
            config.budget_bits_per_s(),
            config.downlink_budget_bits_per_s(),
            config.burst_s(),
            2L * (8 + 2L * perPacketOverhead),
            System::nanoTime);
    ConnectSpec connectSpec = null;
    BrokerConnector connector = null;
    if (cloud == null) {
      connector = new BrokerConnector(config.protocol(), config.max_inflight());
      SSLSocketFactory tls =
          TlsSockets.create(
              config.tls_ca_file(),
              config.tls_client_keystore(),
              config.tls_client_keystore_password().toCharArray());
      connectSpec =
          new ConnectSpec(
              config.broker_url(),
              clientId,
              blankToNull(config.username()),
              config.password().isEmpty()
                  ? null
                  : config.password().getBytes(StandardCharsets.UTF_8),
              config.keep_alive_s(),
              config.connect_timeout_s(),
              tls,
              config.tls_hostname_verification(),
              Birth.lastWillTopic(account, clientId),
              Birth.lastWillPayload(),
              config.inbound_max_packet_bytes() > 0
                  ? config.inbound_max_packet_bytes()
                  : (int)
                      Math.min(
                          Integer.MAX_VALUE, (long) config.request_max_bytes() + PACKET_HEADROOM));
    }
    this.spec = connectSpec;
    // Everything that can refuse the configuration is above: the outbox is opened last.
    this.outbox = new Outbox(Path.of(config.outbox_path()), config.outbox_max_bytes());
    this.folding = new Folding(outbox, governor, mapper, config, this::submit);
    this.writer =
        new OutboxWriter(
            outbox,
            governor,
            config,
            this::running,
            folding::update,
            this::storedToSender,
            storedListener,
            this::wakeSender);
    this.sender = new Sender(outbox, governor, writer, config, this::running);
    this.healthDeltas = new HealthDeltas(config.health_full_every());
    requestRouter.add(healthDeltas);
    this.requests =
        new RequestIntake(
            requestRouter,
            ownsRouter,
            config,
            clientId,
            governor,
            writer,
            this::link,
            this::linkLost,
            this::running);
    if (cloud == null) {
      Birth birth = new Birth(config, device, outbox, governor, this::running);
      this.supervisor =
          new ConnectionSupervisor(
              config, spec, connector, governor, sender, birth, requests, this::running);
      this.session = supervisor;
    } else {
      this.supervisor = null;
      this.session = new CloudSession(cloud, sender, config, this::running);
    }
    LOG.info(
        "uplink to {} as {}/{}: outbox {} holds {} messages, next seq {}; budget {}",
        spec != null ? spec.shownUri() : "the cloud connection of the framework",
        account,
        clientId,
        outbox.file(),
        outbox.depth(),
        outbox.nextSeq(),
        governor.capped() ? config.budget_bits_per_s() + " bit/s" : "none");
    writer.start();
    session.start();
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private boolean running() {
    return running;
  }

  // The hand-offs between units, as methods: the units are built one after another and call each
  // other only
  // once the threads run.

  private void storedToSender(Outbox.AppendResult result) {
    sender.stored(result);
  }

  private void wakeSender() {
    sender.wake();
  }

  private MqttLink link() {
    return supervisor == null ? null : supervisor.link();
  }

  private void linkLost(String why) {
    if (supervisor != null) {
      supervisor.lost(why);
    }
  }

  // ---------------------------------------------------------------- intake (caller threads)

  public void publish(Event event) {
    if (folding.tryFold(event)) {
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
    Message full =
        mapper.report(report, report.subject().equals("device") ? deviceMetrics() : Map.of());
    submit(
        new Message(
            full.topic(),
            full.priority(),
            full.timestamp(),
            healthDeltas.next(report.subject(), full.metrics()),
            full.body()));
  }

  /** What the uplink adds to the device's health report: its own state. */
  private Map<String, Object> deviceMetrics() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(MetricsProvider.UPLINK_CONNECTED, session.connected());
    m.put(MetricsProvider.OUTBOX_DEPTH, outbox.depth());
    m.put("outbox_bytes", outbox.storedBytes());
    outbox
        .dropped()
        .forEach(
            (p, n) -> {
              if (n > 0) {
                m.put("dropped_" + p.name().toLowerCase(java.util.Locale.ROOT), n);
              }
            });
    m.put("refused", writer.refused());
    m.put("folded", folding.foldedTotal());
    metrics().forEach(m::putIfAbsent);
    return m;
  }

  /**
   * Queues a message for the outbox; false when it was refused (too large) or the queue was full.
   */
  boolean submit(Message message) {
    return writer.submit(message, 0);
  }

  boolean submit(Message message, int expectedReplyBytes) {
    return writer.submit(message, expectedReplyBytes);
  }

  /**
   * The largest payload that can go to this topic: the configured limit, and what one budget window
   * can carry.
   */
  long largestPayload(String topic) {
    return writer.largestPayload(topic);
  }

  /** Queues a notification of a request handler. */
  /**
   * The HEALTH-V1 handler (full health on request), for a framework that routes requests itself
   * (Kura).
   */
  public org.watchpost.api.remote.RequestHandler healthRequests() {
    return healthDeltas;
  }

  public boolean notify(org.watchpost.api.remote.Notification n) {
    return requests.notify(n);
  }

  public String clientId() {
    return clientId;
  }

  RequestRouter router() {
    return requests.router();
  }

  // ---------------------------------------------------------------- state

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits until everything handed to the uplink has been stored and acknowledged, at most the
   * timeout.
   */
  public void settle(long timeoutMillis) {
    folding.flush(true);
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while ((writer.pending() || (session.connected() && outbox.depth() > 0))
        && System.nanoTime() < deadline) {
      sleepQuietly(20);
    }
  }

  /** The summary fields of the demo. */
  public Map<String, Object> summary() {
    Map<String, Object> s = new LinkedHashMap<>();
    long bytes = governor.totalBytes();
    double seconds = Math.max(1e-3, (System.nanoTime() - startNanos) / 1e9);
    s.put("events_published", sender.eventsPublished());
    s.put("uplink_bytes", bytes);
    s.put("uplink_bits_per_s", Math.round(bytes * 8 / seconds * 10) / 10.0);
    s.put("messages_by_topic_kind", sender.messagesByKind());
    s.put("outbox_max_depth", outbox.maxDepth());
    s.put("dropped", outbox.droppedTotal() + writer.intakeOverflow());
    Map<String, Object> droppedBy = new LinkedHashMap<>();
    outbox
        .dropped()
        .forEach((p, n) -> droppedBy.put(p.name().toLowerCase(java.util.Locale.ROOT), n));
    s.put("dropped_by_priority", droppedBy);
    s.put("refused", writer.refused());
    s.put("folded_events", folding.foldedTotal());
    s.put("outbox_depth", outbox.depth());
    s.put("uplink_connects", session.connects());
    String protocol = session.protocol();
    s.put("uplink_protocol", protocol != null ? protocol : "");
    s.put("uplink_last_error", session.lastError());
    return s;
  }

  /** Whether a broker connection is up and the outbox depth: quick, never waits for the disk. */
  public Map<String, Object> metrics() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(MetricsProvider.UPLINK_CONNECTED, session.connected());
    m.put(MetricsProvider.OUTBOX_DEPTH, outbox.depth());
    m.put("outbox_quarantined", outbox.quarantined());
    m.put("outbox_write_failed", writer.writeFailures());
    String error = writer.writeError();
    if (!error.isEmpty()) {
      m.put("outbox_write_error", error);
    }
    m.put("intake_overflow", writer.intakeOverflow());
    m.put("inbound_bytes", governor.inboundBytes());
    if (spec != null) {
      m.put("inbound_max_packet_bytes", spec.maxInboundPacketBytes());
    }
    m.putAll(requests.counters());
    return m;
  }

  boolean connected() {
    return session.connected();
  }

  String lastError() {
    return session.lastError();
  }

  String protocol() {
    return session.protocol();
  }

  Outbox outbox() {
    return outbox;
  }

  BandwidthGovernor governor() {
    return governor;
  }

  /** Messages the engine keeps reply bookkeeping for. */
  int replyBookkeeping() {
    return sender.replyBookkeeping();
  }

  boolean folding() {
    return folding.folding();
  }

  Map<Priority, Long> dropped() {
    return new EnumMap<>(outbox.dropped());
  }

  long refused() {
    return writer.refused();
  }

  /**
   * A clean stop: commits what was queued, waits up to drain_on_stop_s for the outbox to empty,
   * sends the disconnect certificate and disconnects, so no last will is published.
   */
  @Override
  public void close() {
    requests.router().remove(healthDeltas);
    writer.stopAccepting();
    folding.flush(true);
    long deadline = System.nanoTime() + config.drain_on_stop_s() * 1_000_000_000L;
    while (writer.pending() && System.nanoTime() < deadline + 5_000_000_000L) {
      sleepQuietly(10);
    }
    while (session.connected() && outbox.depth() > 0 && System.nanoTime() < deadline) {
      sleepQuietly(20);
    }
    running = false;
    sender.wake();
    writer.join();
    session.stop();
    requests.close();
    outbox.close();
    LOG.info("uplink stopped: {}", summary());
  }

  static void join(Thread thread) {
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
