// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.watchpost.api.event.Priority;

/**
 * Which waiting message the sender considers first when requests for replies (model chunks) wait
 * too.
 */
class RequestsFirstTest {
  private static final long NOW = 1_764_000_000_000L;
  private static final int REPLY = 4_096 + 220;

  private static Outbox.Stored stored(long seq, Priority priority, long ageMillis, int replyBytes) {
    return new Outbox.Stored(seq, priority, "t/" + seq, new byte[10], NOW - ageMillis, replyBytes);
  }

  private static List<Long> order(List<Outbox.Stored> waiting, boolean room) {
    return Sender.requestsForRepliesFirst(waiting, Outbox.Stored::replyBytes, reply -> room, NOW)
        .stream()
        .map(Outbox.Stored::seq)
        .toList();
  }

  @Test
  void aRequestWithRoomForItsReplyGoesBeforeEverythingButAnAlarm() {
    Outbox.Stored health = stored(1, Priority.HEALTH, 1_000, 0);
    Outbox.Stored request = stored(2, Priority.EVENT, 0, REPLY);
    Outbox.Stored alarm = stored(3, Priority.ALARM, 0, 0);
    assertEquals(List.of(2L, 1L), order(List.of(health, request), true));
    assertEquals(
        List.of(3L, 2L, 1L),
        order(List.of(alarm, request, health), true),
        "an alarm first, as stored");
    assertEquals(
        List.of(1L), order(List.of(request, health), false), "without room it holds nothing back");
    assertEquals(
        List.of(2L), order(List.of(request), false), "alone, it waits at the head for room");
  }

  /**
   * model-delivery-2400-9600 with requests always first: a full health report of 1,928 B never
   * found the 2 kB of the 2,400 bit/s uplink's window that the chunk requests (one every 3.6 s)
   * left, and health reports went from 58 to 5 per ten minutes during the transfer. Once a message
   * has waited long enough, requests wait behind it.
   */
  @Test
  void aMessageThatWaitedLongEnoughGoesBeforeTheRequests() {
    Outbox.Stored request = stored(5, Priority.EVENT, 0, REPLY);
    Outbox.Stored health = stored(1, Priority.HEALTH, Sender.REQUESTS_FIRST_MAX_WAIT_MILLIS, 0);
    Outbox.Stored event = stored(6, Priority.EVENT, 0, 0);
    assertEquals(List.of(6L, 1L), order(List.of(request, event, health), true));
    assertEquals(
        List.of(5L, 6L, 1L),
        order(
            List.of(
                request,
                event,
                stored(1, Priority.HEALTH, Sender.REQUESTS_FIRST_MAX_WAIT_MILLIS - 1, 0)),
            true));
  }
}
