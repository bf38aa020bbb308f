// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.cloud;

import org.osgi.annotation.versioning.ConsumerType;
import org.watchpost.uplink.codec.KuraPayload;

/**
 * A cloud connection owned by someone else (Kura's), as the governed uplink hands messages to it:
 * one at a time, on the uplink's send thread, once the governor allowed it and in priority order.
 * No session of the device's own: no BIRTH, last will or disconnect certificate; the connection's
 * owner sends its own.
 */
@ConsumerType
public interface CloudTransport {

  /**
   * Whether the connection can take messages now. While false, messages wait in the uplink's
   * outbox, where the lowest priority is dropped first when it is full (a cloud's own store may
   * refuse by count instead).
   */
  boolean up();

  /**
   * Hands one message over; returning means the cloud connection took it (into its own store), and
   * the uplink removes it from the outbox.
   *
   * @param kind the topic kind: {@code events}, {@code counts}, {@code health}
   * @param subject the camera id, or the health subject such as {@code device}
   * @param payload the message as the standalone uplink would send it (with its {@code seq}); a
   *     batch when batching is on
   * @throws Refused when this message can never go over this connection: it is quarantined
   * @throws Exception anything else: the connection is taken as down, the message stays and is sent
   *     again
   */
  void publish(String kind, String subject, KuraPayload payload) throws Exception;

  /**
   * Hands over one notification of a request handler (a MODEL-V1 job state, a chunk request), once
   * the governor allowed it and in its priority, as the connection's owner sends notifications
   * (Kura: its notification publisher, to {@code
   * $EDC/{account}/{requester}/{appId}/NOTIFY/{client}/{resource}}). Same contract as {@link
   * #publish}. A connection that carries none refuses them (the default).
   *
   * @param appId the handler's application id
   * @param requester the client id the notification is for
   * @param resource one topic level naming what it is about
   * @param payload the notification's metrics, timestamped, with the uplink's {@code seq}
   * @since 1.1
   */
  default void notify(String appId, String requester, String resource, KuraPayload payload)
      throws Exception {
    throw new Refused("this connection carries no notifications");
  }

  /** This message can never be sent over this connection (another attempt would not help). */
  final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    public Refused(String reason) {
      super(reason);
    }
  }
}
