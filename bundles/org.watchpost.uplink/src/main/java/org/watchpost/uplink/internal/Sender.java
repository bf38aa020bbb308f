// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.event.Priority;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;

/**
 * Sends from the outbox over a {@link Transport}: highest priority first, then seq, batching runs
 * of one topic when more than one waits, each send paced by the governor with room kept for the
 * replies it asks for. A message leaves the outbox only when the transport reports it delivered (or
 * refused for good).
 *
 * <p>Threads: {@link #run}, {@link #beginSession} and {@link #endSession} run on the send thread,
 * which owns {@link #inFlight}, {@link #delivered} and {@link #removeFailing} ({@link #owner}
 * checks it). Hand-offs into it: {@link #acks} from the transport's threads, {@link #replyBytes}
 * from the outbox writer ({@link #stored}), and {@link #wake} from anyone with news. Counters are
 * atomic or guarded by their map and read from any thread.
 */
final class Sender {
  private static final Logger LOG = LoggerFactory.getLogger(Sender.class);

  private final Outbox outbox;
  private final BandwidthGovernor governor;
  private final OutboxWriter writer;
  private final int batchMax;
  private final int maxInflight;
  private final BooleanSupplier running;
  private final ThreadOwner owner = new ThreadOwner("the sender");

  /** Send thread only. */
  private final Set<Long> inFlight = new HashSet<>();

  /**
   * Delivered, but the outbox could not be written to remove them yet (a full disk): not sent
   * again. Send thread only.
   */
  private final Set<Long> delivered = new HashSet<>();

  /** Send thread only. */
  private boolean removeFailing;

  /** Messages acknowledged (or refused for good) by the far end, to be removed from the outbox. */
  private final ConcurrentLinkedQueue<Acked> acks = new ConcurrentLinkedQueue<>();

  /**
   * Bytes expected back for messages in flight or waiting (chunk requests), by seq; this run only.
   */
  private final Map<Long, Integer> replyBytes = new ConcurrentHashMap<>();

  private final Object signal = new Object();

  private final AtomicLong quarantinedNow = new AtomicLong();
  private final AtomicLong rejectedByBroker = new AtomicLong();
  private final AtomicLong eventsPublished = new AtomicLong();

  /** Guarded by itself. */
  private final Map<String, AtomicLong> messagesByKind = new TreeMap<>();

  private record Acked(List<Outbox.Stored> messages, Throwable error) {}

  Sender(
      Outbox outbox,
      BandwidthGovernor governor,
      OutboxWriter writer,
      UplinkConfig config,
      BooleanSupplier running) {
    this.outbox = outbox;
    this.governor = governor;
    this.writer = writer;
    this.batchMax = config.batch_max();
    this.maxInflight = config.max_inflight();
    this.running = running;
  }

  // ---------------------------------------------------------------- hand-offs (any thread)

  /** From the outbox writer: what was committed and what was dropped to make room. */
  void stored(Outbox.AppendResult result) {
    for (Outbox.Stored stored : result.stored()) {
      if (stored.replyBytes() > 0) {
        replyBytes.put(stored.seq(), stored.replyBytes());
      }
    }
    // Dropped to make room (some of them stored by this very append): the replies they would have
    // waited
    // for will not come, so their bookkeeping goes too (issue 19).
    result.droppedSeqs().forEach(replyBytes::remove);
  }

  void wake() {
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  // ---------------------------------------------------------------- send thread

  /** Makes the calling thread the send thread. */
  void bind() {
    owner.bind();
  }

  /** A new session: nothing is in flight on it. */
  void beginSession() {
    owner.check();
    inFlight.clear();
    acks.clear();
  }

  /** The session is gone: what was in flight on it is sent again on the next. */
  void endSession() {
    owner.check();
    inFlight.clear();
    acks.clear();
  }

  private void await(long millis) throws InterruptedException {
    synchronized (signal) {
      if (acks.isEmpty()) {
        signal.wait(Math.max(1, millis));
      }
    }
  }

  /** Sends until the uplink stops or the transport is no longer up. */
  void run(Transport transport) throws InterruptedException, Transport.Lost {
    owner.check();
    while (running.getAsBoolean() && transport.up()) {
      processAcks();
      transport.upkeep();
      if (inFlight.size() >= Math.min(maxInflight, transport.maxInflight())) {
        await(100);
        continue;
      }
      List<Outbox.Stored> waiting = outbox.next(batchMax, snapshotInFlight());
      if (waiting.isEmpty()) {
        await(1_000);
        continue;
      }
      waiting = requestsForRepliesFirst(waiting);
      List<Outbox.Stored> group = headRun(waiting);
      byte[] wire =
          group.size() == 1
              ? group.get(0).payload()
              : KuraPayloadCodec.encodeBatch(System.currentTimeMillis(), payloads(group));
      String topic = group.get(0).topic();
      long brokerMax = transport.maxPacketBytes();
      if (group.size() > 1 && transport.packetBytes(topic, wire.length) > brokerMax) {
        group = group.subList(0, 1);
        wire = group.get(0).payload();
      }
      String unsendable = unsendable(transport, topic, wire.length, brokerMax);
      if (unsendable != null) {
        quarantine(group, unsendable);
        continue;
      }
      long cost = transport.sendCost(topic, wire.length);
      if (governor.capped() && cost > governor.largestSend()) {
        // Only a batch can get here (single messages are bounded at intake): send fewer at once.
        group = group.subList(0, 1);
        wire = group.get(0).payload();
        cost = transport.sendCost(topic, wire.length);
      }
      if (group.size() > 1
          && group.stream().anyMatch(s -> replyBytes.getOrDefault(s.seq(), 0) > 0)) {
        // A message that asks for a reply goes alone: its reply is paced and awaited one by one
        // (issue 17: a
        // batch of chunk requests asked for five chunks at once, queued in front of every
        // acknowledgement).
        group = group.subList(0, 1);
        wire = group.get(0).payload();
        cost = transport.sendCost(topic, wire.length);
      }
      long reserve = 0;
      for (Outbox.Stored s : group) {
        reserve += replyBytes.getOrDefault(s.seq(), 0);
      }
      // The reply is held to the downlink's window, not the uplink's: asymmetric links (issue 17).
      long delay = governor.delayNanos(cost, reserve);
      if (delay > 0) {
        // Wait, then choose again: an alarm that arrives meanwhile goes first.
        await(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(delay) + 1, 1_000)));
        continue;
      }
      governor.charge(cost, reserve);
      List<Outbox.Stored> sent = List.copyOf(group);
      sent.forEach(s -> inFlight.add(s.seq()));
      try {
        transport.publish(
            topic,
            wire,
            error -> {
              acks.add(new Acked(sent, error));
              wake();
            });
      } catch (Transport.Refused e) {
        sent.forEach(s -> inFlight.remove(s.seq()));
        quarantine(sent, e.getMessage());
      } catch (Transport.Lost e) {
        sent.forEach(s -> inFlight.remove(s.seq()));
        throw e;
      }
    }
  }

  /**
   * Why this publish can never be sent on this transport, or null: a topic outside the device's
   * topic rules (the client may refuse to encode it and drop the connection: issue 12), or a packet
   * over the far end's largest packet (the broker would end the connection).
   */
  static String unsendable(Transport transport, String topic, int payloadLength, long brokerMax) {
    String problem = KuraTopic.topicProblem(topic);
    if (problem != null) {
      return "topic refused: " + problem;
    }
    long packet = transport.packetBytes(topic, payloadLength);
    if (packet > brokerMax) {
      return "a packet of " + packet + " bytes, more than the broker's maximum of " + brokerMax;
    }
    return null;
  }

  /**
   * Moves messages that can never be sent out of the send path, so that they block nothing behind
   * them.
   */
  private void quarantine(List<Outbox.Stored> messages, String reason) {
    LOG.error(
        "{} message(s) from seq {} to {} can never be sent ({}); moved to the outbox's quarantine",
        messages.size(),
        messages.get(0).seq(),
        KuraTopic.printable(messages.get(0).topic()),
        reason);
    outbox.quarantine(messages, reason);
    messages.forEach(s -> replyBytes.remove(s.seq()));
    quarantinedNow.addAndGet(messages.size());
  }

  private Set<Long> snapshotInFlight() {
    Set<Long> out = new HashSet<>(inFlight);
    out.addAll(delivered);
    return out;
  }

  /**
   * Longest a message waits while requests for replies go before it. A steady flow of chunk
   * requests (one per chunk, 3.6 s at 9,600 bit/s) otherwise starves whatever needs more of the
   * uplink's window than they leave: at 2,400 bit/s a full health report of 1,928 B needs 2 of the
   * 2.8 kB the window allows over 11 s, and the requests alone keep 0.9 kB of it busy
   * (model-delivery-2400-9600: health reports went from 58 to 5 per ten minutes while the package
   * came).
   */
  static final long REQUESTS_FIRST_MAX_WAIT_MILLIS = 20_000;

  private List<Outbox.Stored> requestsForRepliesFirst(List<Outbox.Stored> waiting) {
    if (replyBytes.isEmpty()) {
      return waiting;
    }
    return requestsForRepliesFirst(
        waiting,
        s -> replyBytes.getOrDefault(s.seq(), 0),
        reply -> governor.replyDelayNanos(reply) == 0,
        System.currentTimeMillis());
  }

  /**
   * Issue 17: a request that asks for a reply (a model chunk's) goes before everything but an alarm
   * while the downlink has room for its reply, and holds nothing back while it has none. On a slow
   * uplink a request that waited behind the health reports and events stored before it (a 583 B
   * health report takes 2 s at 2,400 bit/s) reached the console after the chunks already asked for
   * had crossed the downlink, which then stood idle; such requests are small and few (the
   * transfer's window of them). Once a message has waited {@link #REQUESTS_FIRST_MAX_WAIT_MILLIS},
   * requests wait behind it again.
   */
  static List<Outbox.Stored> requestsForRepliesFirst(
      List<Outbox.Stored> waiting,
      java.util.function.ToIntFunction<Outbox.Stored> replyBytesOf,
      java.util.function.IntPredicate roomFor,
      long nowMillis) {
    if (waiting.get(0).priority() == Priority.ALARM) {
      return waiting;
    }
    Outbox.Stored asking = null;
    List<Outbox.Stored> rest = new ArrayList<>(waiting.size());
    boolean overdue = false;
    for (Outbox.Stored s : waiting) {
      if (replyBytesOf.applyAsInt(s) > 0) {
        if (asking == null) {
          asking = s;
        }
      } else {
        rest.add(s);
        overdue |= nowMillis - s.createdMillis() >= REQUESTS_FIRST_MAX_WAIT_MILLIS;
      }
    }
    if (asking == null) {
      return waiting;
    }
    if (rest.isEmpty() || !overdue && roomFor.test(replyBytesOf.applyAsInt(asking))) {
      List<Outbox.Stored> out = new ArrayList<>(waiting.size());
      out.add(asking);
      for (Outbox.Stored s : waiting) {
        if (s != asking) {
          out.add(s);
        }
      }
      return out;
    }
    return rest;
  }

  /** The first waiting message and those right after it with the same topic and priority. */
  private static List<Outbox.Stored> headRun(List<Outbox.Stored> waiting) {
    Outbox.Stored head = waiting.get(0);
    int n = 1;
    while (n < waiting.size()
        && waiting.get(n).topic().equals(head.topic())
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
          LOG.error(
              "{}; {} messages removed from the outbox ({} bytes)",
              acked.error().getMessage(),
              acked.messages().size(),
              acked.messages().stream().mapToInt(s -> s.payload().length).sum());
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
          writer.removeRecovered();
        }
      } catch (IllegalStateException e) {
        // Kept and removed on the next pass; they are not sent again meanwhile.
        writer.removeFailed(e.getMessage());
        removeFailing = true;
      }
    }
  }

  private void count(List<Outbox.Stored> delivered) {
    for (Outbox.Stored s : delivered) {
      KuraTopic topic = KuraTopic.parse(s.topic());
      countKind(topic == null ? "other" : topic.kind().key());
      if (topic != null && topic.kind() == KuraTopic.Kind.EVENTS) {
        eventsPublished.incrementAndGet();
      }
    }
  }

  // ---------------------------------------------------------------- counters (any thread)

  /** Counts one delivered message of this topic kind (BIRTH counts itself here too). */
  void countKind(String kind) {
    synchronized (messagesByKind) {
      messagesByKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    }
  }

  Map<String, Object> messagesByKind() {
    Map<String, Object> kinds = new TreeMap<>();
    synchronized (messagesByKind) {
      messagesByKind.forEach((k, v) -> kinds.put(k, v.get()));
    }
    return kinds;
  }

  long eventsPublished() {
    return eventsPublished.get();
  }

  /** Messages the sender keeps reply bookkeeping for. */
  int replyBookkeeping() {
    return replyBytes.size();
  }
}
