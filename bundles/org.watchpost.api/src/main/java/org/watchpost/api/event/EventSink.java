// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.event;

import org.osgi.annotation.versioning.ConsumerType;

/** Takes events and counts for delivery upstream. Calls must not block the pipeline thread. */
@ConsumerType
public interface EventSink {

  void publish(Event event);

  void publish(CountSummary counts);
}
