// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

/**
 * Where the {@link Sender} hands messages once the governor, the priorities, batching and folding
 * have chosen them: one live session, used on the send thread only.
 *
 * <p>Standalone, this is {@link MqttTransport}: the device's own MQTT connection (Paho), opened and
 * watched by the {@link ConnectionSupervisor}, which also sends BIRTH, owns the last will and
 * subscribes for requests. Inside Eclipse Kura it is to be Kura's {@code CloudPublisher} (issue
 * 13): no MQTT session of the device's own, no BIRTH or last will; costs are then estimated from
 * the payload and topic, and {@link #up()} follows Kura's cloud connection. The outbox stays in
 * front of either transport: it is the priority queue the Sender chooses from, and a message leaves
 * it only when its {@code done} callback reports success.
 */
interface Transport {

  /**
   * Called once per publish, on any thread: {@code error} is null when delivered. It must only
   * queue.
   */
  interface Done {
    void done(Throwable error);
  }

  /** The protocol the session speaks, for BIRTH and metrics ("5", "3.1.1"). */
  String protocol();

  /**
   * Bytes of the packet that carries this payload to this topic, header included. Asked right
   * before the publish: with MQTT 5 topic aliases the answer depends on what was sent before.
   */
  long packetBytes(String topic, int payloadLength);

  /**
   * What one publish costs on the link: its packet, its acknowledgement and the link's per-packet
   * overhead.
   */
  long sendCost(String topic, int payloadLength);

  /** The largest packet the far end takes; a larger one is never handed over. */
  long maxPacketBytes();

  /** Publishes that may await their {@link Done} at once. */
  int maxInflight();

  /**
   * False once the session is lost; the send loop then ends and the session's owner opens a new
   * one.
   */
  boolean up();

  /**
   * Work of the session between two sends, on the send thread: keep-alive traffic charged to the
   * budget, new subscriptions. Never throws for a lost session: it turns {@link #up()} false
   * instead.
   */
  void upkeep() throws InterruptedException;

  /**
   * Hands one message over.
   *
   * @throws Refused when this message can never go over this transport (another session would not
   *     help)
   * @throws Lost when the session failed; the message is sent again on the next one
   */
  void publish(String topic, byte[] payload, Done done) throws Refused, Lost;

  /** This message can never be sent: it is quarantined, and nothing else is affected. */
  final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String reason) {
      super(reason);
    }
  }

  /** The session failed; with a message an operator can act on. */
  final class Lost extends Exception {
    private static final long serialVersionUID = 1L;

    Lost(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
