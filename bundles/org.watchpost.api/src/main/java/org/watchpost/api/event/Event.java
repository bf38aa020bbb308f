// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.event;

import java.util.Map;
import java.util.Objects;

/**
 * Something a rule decided is worth sending: "a person entered zone A", "a car crossed line N
 * northbound". The uplink adds the device sequence number when it stores the event.
 *
 * @param type what happened, e.g. {@code intrusion}, {@code line_crossing}, {@code loitering},
 *     {@code crowd}, {@code incident_open}, {@code armed} and {@code disarmed} (an operator
 *     switched a camera's rules; alarm priority, attributes {@code requested_by} and {@code armed})
 * @param ruleId the rule that raised it
 * @param cameraId the camera
 * @param className the object class (by vote over the track), or empty for rules about groups
 * @param trackId the track, or -1 for rules about groups
 * @param confidence 0..1
 * @param box where the object was, normalised; may be null
 * @param firstSeenMillis when the track was first seen (capture time, epoch ms)
 * @param eventTimeMillis capture time of the frame that raised the event (epoch ms)
 * @param priority upstream priority class
 * @param attributes further fields (direction, dwell seconds, count, incident id), small strings
 * @param jpegCrop an optional small JPEG crop of the object; null when off
 */
public record Event(
    String type,
    String ruleId,
    String cameraId,
    String className,
    long trackId,
    float confidence,
    NormalizedBox box,
    long firstSeenMillis,
    long eventTimeMillis,
    Priority priority,
    Map<String, String> attributes,
    byte[] jpegCrop) {
  public Event {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(ruleId, "ruleId");
    Objects.requireNonNull(cameraId, "cameraId");
    Objects.requireNonNull(priority, "priority");
    className = className == null ? "" : className;
    attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
  }
}
