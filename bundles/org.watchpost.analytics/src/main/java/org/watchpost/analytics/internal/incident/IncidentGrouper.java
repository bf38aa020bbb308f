// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal.incident;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.watchpost.api.event.Event;

/**
 * Folds the rule events of one camera that belong together into incidents: an event joins an open
 * incident when it comes from the same rule or concerns the same track (several people entering one
 * zone, one track crossing and then loitering). The first event opens the incident and goes out as
 * {@code incident_open}; the ones folded into it go out as nothing but are counted; {@code
 * incident_close} goes out once nothing new has joined for the quiet time (or the incident reached
 * its longest duration).
 */
public final class IncidentGrouper {
  public static final String OPEN = "incident_open";
  public static final String CLOSE = "incident_close";

  private final String cameraId;
  private final long quietMillis;
  private final long maxMillis;
  private final List<Incident> open = new ArrayList<>();
  private long counter;

  private static final class Incident {
    final String id;
    final Event opener;
    final Set<String> rules = new LinkedHashSet<>();
    final Set<Long> tracks = new LinkedHashSet<>();
    final Map<String, Integer> types = new TreeMap<>();
    long lastMillis;
    int events;
    float confidence;

    Incident(String id, Event opener) {
      this.id = id;
      this.opener = opener;
      this.lastMillis = opener.eventTimeMillis();
      add(opener);
    }

    void add(Event e) {
      rules.add(e.ruleId());
      if (e.trackId() >= 0) {
        tracks.add(e.trackId());
      }
      types.merge(e.type(), 1, Integer::sum);
      lastMillis = Math.max(lastMillis, e.eventTimeMillis());
      events++;
      confidence = Math.max(confidence, e.confidence());
    }

    boolean takes(Event e) {
      return rules.contains(e.ruleId()) || (e.trackId() >= 0 && tracks.contains(e.trackId()));
    }
  }

  public IncidentGrouper(String cameraId, long quietMillis, long maxMillis) {
    this.cameraId = cameraId;
    this.quietMillis = quietMillis;
    this.maxMillis = maxMillis;
  }

  /** The events to send for this frame's rule events, closing incidents that have gone quiet. */
  public List<Event> fold(List<Event> ruleEvents, long nowMillis) {
    List<Event> out = new ArrayList<>();
    Iterator<Incident> it = open.iterator();
    while (it.hasNext()) {
      Incident incident = it.next();
      if (nowMillis - incident.lastMillis >= quietMillis
          || nowMillis - incident.opener.eventTimeMillis() >= maxMillis) {
        it.remove();
        out.add(close(incident, nowMillis));
      }
    }
    for (Event e : ruleEvents) {
      Incident joined = null;
      for (Incident incident : open) {
        if (incident.takes(e)) {
          joined = incident;
          break;
        }
      }
      if (joined != null) {
        joined.add(e);
        continue;
      }
      Incident incident =
          new Incident(Long.toString(e.eventTimeMillis(), 36) + "-" + (++counter), e);
      open.add(incident);
      Map<String, String> attributes = new HashMap<>(e.attributes());
      attributes.put("incident_id", incident.id);
      attributes.put("cause", e.type());
      out.add(
          new Event(
              OPEN,
              e.ruleId(),
              e.cameraId(),
              e.className(),
              e.trackId(),
              e.confidence(),
              e.box(),
              e.firstSeenMillis(),
              e.eventTimeMillis(),
              e.priority(),
              attributes,
              e.jpegCrop()));
    }
    return out;
  }

  /** Closes every open incident: the source ended. */
  public List<Event> closeAll(long nowMillis) {
    List<Event> out = new ArrayList<>();
    for (Incident incident : open) {
      out.add(close(incident, nowMillis));
    }
    open.clear();
    return out;
  }

  /** Incidents still open (their close has not been sent). */
  public int openCount() {
    return open.size();
  }

  private Event close(Incident incident, long nowMillis) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("incident_id", incident.id);
    attributes.put("cause", incident.opener.type());
    attributes.put("events", Integer.toString(incident.events));
    attributes.put("tracks", Integer.toString(incident.tracks.size()));
    attributes.put("rules", String.join(",", incident.rules));
    attributes.put(
        "types",
        incident.types.entrySet().stream()
            .map(t -> t.getKey() + ":" + t.getValue())
            .collect(Collectors.joining(",")));
    attributes.put(
        "duration_s",
        Long.toString((incident.lastMillis - incident.opener.eventTimeMillis()) / 1000));
    return new Event(
        CLOSE,
        incident.opener.ruleId(),
        cameraId,
        incident.opener.className(),
        -1,
        incident.confidence,
        null,
        incident.opener.eventTimeMillis(),
        nowMillis,
        incident.opener.priority(),
        attributes,
        null);
  }
}
