package org.watchpost.kura.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The Kura adapter's configuration, shown in Kura's UI. {@code CloudPublisher.target} is the property name Kura's
 * UI offers a publisher picker for; the publisher's {@code app.topic} decides the topic, e.g. {@code $kind/$camera}
 * ({@code kind} is events, counts or health; {@code camera} the camera id or the health subject).
 */
@ObjectClassDefinition(id = KuraCloudConfig.PID, name = "Watchpost on Kura",
    description = "Events, counts and health through one of Kura's cloud publishers; MODEL-V1 and the other remote commands through Kura's request handler registry.")
public @interface KuraCloudConfig {
  String PID = "org.watchpost.kura.cloud";

  @AttributeDefinition(name = "CloudPublisher target filter",
      description = "The cloud publisher events and health go through (Kura's UI offers the publishers it has). Set its app.topic to, e.g., $kind/$camera.")
  String CloudPublisher_target() default "(kura.service.pid=changeme)";

  @AttributeDefinition(name = "Include box", required = false,
      description = "Send each event's box (x,y,w,h) and first-seen time, as the standalone uplink's include.box does.")
  boolean include_box() default false;

  @AttributeDefinition(name = "Largest body (bytes)", required = false, min = "0",
      description = "An event's JPEG crop larger than this is left out of its payload; 0: never send crops.")
  int max_body_bytes() default 16384;
}
