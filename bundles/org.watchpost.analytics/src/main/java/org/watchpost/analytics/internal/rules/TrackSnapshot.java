// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.rules;

import org.watchpost.analytics.internal.track.Box;

/**
 * What the rules see of a confirmed track on one frame.
 *
 * @param id the track's identity
 * @param label its class by vote
 * @param score its smoothed detection score
 * @param box where it is, frame pixels (predicted when it was not detected on this frame)
 * @param firstSeenMillis capture time it was first seen
 * @param moved it has travelled or the motion gate saw it move: not a painted sign
 * @param stationary it has been still for the stationary time
 * @param detected matched on the last detector run that covered it (false while it coasts, lost)
 */
public record TrackSnapshot(
    long id,
    String label,
    float score,
    Box box,
    long firstSeenMillis,
    boolean moved,
    boolean stationary,
    boolean detected) {}
