package org.watchpost.api.event;

/** Takes events and counts for delivery upstream. Calls must not block the pipeline thread. */
public interface EventSink {

  void publish(Event event);

  void publish(CountSummary counts);
}
