// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.uplink.cloud.CloudTransport;
import org.watchpost.uplink.codec.KuraPayloadCodec;
import org.watchpost.uplink.codec.KuraTopic;
import org.watchpost.uplink.codec.MalformedPayloadException;

/**
 * The send thread in front of a cloud connection the device does not own (Kura's): while the
 * connection is up, the {@link Sender} chooses and paces as it does standalone and hands each
 * message to the {@link CloudTransport}; when the transport fails, the message stays in the outbox
 * and the session waits for the connection before it tries again. No BIRTH, last will, keep-alive
 * or subscriptions: the owner has its own.
 *
 * <p>Costs are those of MQTT 3.1.1 at QoS 1 (Kura's cloud connection speaks nothing newer): the
 * PUBLISH on the uplink's own topic, its PUBACK and the per-packet overhead. Kura's own traffic
 * (its BIRTH, pings, the longer topic with its application id) is not the uplink's to count.
 *
 * <p>Threads: the thread {@code uplink-cloud} is the Sender's send thread; {@link #lastError} and
 * {@link #connected} are read from any thread.
 */
final class CloudSession implements Session, Transport {
  private static final Logger LOG = LoggerFactory.getLogger(CloudSession.class);

  /** How often a session that is down looks at the connection again: Kura has no wait for it. */
  static final long DOWN_POLL_MILLIS = 250;

  private static final String PROTOCOL = "3.1.1";

  /** An MQTT 3.1.1 PUBACK: fixed header and packet id. */
  private static final int PUBACK_BYTES = 4;

  private final CloudTransport cloud;
  private final Sender sender;
  private final long perPacketBytes;
  private final long maxPacket;
  private final long retryMillis;
  private final BooleanSupplier running;
  private final Thread thread;
  private volatile boolean failed;
  private volatile String lastError = "";
  private volatile long sessions;

  CloudSession(CloudTransport cloud, Sender sender, UplinkConfig config, BooleanSupplier running) {
    this.cloud = cloud;
    this.sender = sender;
    this.perPacketBytes = 2L * config.per_packet_overhead_bytes();
    this.maxPacket =
        config.broker_max_packet_bytes() > 0
            ? config.broker_max_packet_bytes()
            : MqttFraming.MAX_PACKET_BYTES;
    this.retryMillis = config.reconnect_initial_ms();
    this.running = running;
    this.thread = new Thread(this::loop, "uplink-cloud");
  }

  @Override
  public void start() {
    thread.start();
  }

  private void loop() {
    sender.bind();
    try {
      while (running.getAsBoolean()) {
        if (!cloud.up()) {
          Thread.sleep(DOWN_POLL_MILLIS);
          continue;
        }
        failed = false;
        sessions++;
        sender.beginSession();
        try {
          sender.run(this);
        } catch (Transport.Lost e) {
          lastError = e.getMessage();
          LOG.warn(
              "the cloud connection did not take a message: {}; trying again in {} ms",
              e.getMessage(),
              retryMillis);
          Thread.sleep(retryMillis);
        } finally {
          sender.endSession();
        }
      }
    } catch (InterruptedException e) {
      // Stopping.
    } catch (RuntimeException e) {
      LOG.error("uplink cloud thread failed: {}", e.getMessage(), e);
    }
  }

  @Override
  public void stop() {
    thread.interrupt();
    UplinkEngine.join(thread);
  }

  @Override
  public boolean connected() {
    return !failed && cloud.up();
  }

  @Override
  public String protocol() {
    return connected() ? PROTOCOL : null;
  }

  @Override
  public String lastError() {
    return lastError;
  }

  @Override
  public long connects() {
    return sessions;
  }

  // ---------------------------------------------------------------- Transport, on the send thread

  @Override
  public long packetBytes(String topic, int payloadLength) {
    return MqttFraming.publish(MqttFraming.utf8Length(topic), payloadLength, 0, false);
  }

  @Override
  public long sendCost(String topic, int payloadLength) {
    return packetBytes(topic, payloadLength) + PUBACK_BYTES + perPacketBytes;
  }

  @Override
  public long maxPacketBytes() {
    return maxPacket;
  }

  /** The cloud connection takes one message at a time and says at once whether it took it. */
  @Override
  public int maxInflight() {
    return 1;
  }

  @Override
  public boolean up() {
    return !failed && cloud.up();
  }

  @Override
  public void upkeep() {}

  @Override
  public void publish(String topic, byte[] payload, Done done) throws Refused, Lost {
    KuraTopic parsed = KuraTopic.parse(topic);
    String[] notify =
        parsed != null && parsed.kind() == KuraTopic.Kind.CONTROL
            ? notification(parsed.subject())
            : null;
    if (notify == null
        && (parsed == null
            || !(parsed.kind() == KuraTopic.Kind.EVENTS
                || parsed.kind() == KuraTopic.Kind.COUNTS
                || parsed.kind() == KuraTopic.Kind.HEALTH))) {
      throw new Refused("not a topic of the uplink's: " + KuraTopic.printable(topic));
    }
    try {
      if (notify != null) {
        cloud.notify(notify[0], notify[2], notify[3], KuraPayloadCodec.decode(plain(payload)));
      } else {
        cloud.publish(
            parsed.kind().key(), parsed.subject(), KuraPayloadCodec.decode(plain(payload)));
      }
    } catch (MalformedPayloadException | CloudTransport.Refused e) {
      throw new Refused(e.getMessage());
    } catch (Exception e) {
      failed = true;
      throw new Lost(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
    done.done(null);
  }

  /**
   * {appId, NOTIFY, requester, resource} of a notification's control topic (as {@link
   * RequestIntake#notify} builds it), or null for any other control topic.
   */
  static String[] notification(String subject) {
    String[] levels = subject.split("/", -1);
    return levels.length == 4 && "NOTIFY".equals(levels[1]) ? levels : null;
  }

  /**
   * A batch is the one message the Sender compresses; the cloud connection encodes (and may
   * compress) what it is given itself, so it gets the batch's payload as it is inside. Bounded by
   * the largest packet.
   */
  private byte[] plain(byte[] wire) throws Refused {
    if (!KuraPayloadCodec.isGzip(wire)) {
      return wire;
    }
    try (java.util.zip.GZIPInputStream in =
        new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(wire))) {
      byte[] plain = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxPacket) + 1);
      if (plain.length > maxPacket) {
        throw new Refused("a batch that inflates to more than " + maxPacket + " bytes");
      }
      return plain;
    } catch (java.io.IOException e) {
      throw new Refused("a batch that does not inflate: " + e.getMessage());
    }
  }
}
