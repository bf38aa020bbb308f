// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.analytics.internal.incident.IncidentGrouper;
import org.watchpost.analytics.internal.motion.MotionGate;
import org.watchpost.analytics.internal.motion.MotionResult;
import org.watchpost.analytics.internal.rules.Polygon;
import org.watchpost.analytics.internal.rules.Rule;
import org.watchpost.analytics.internal.rules.RuleEngine;
import org.watchpost.analytics.internal.rules.RuleType;
import org.watchpost.analytics.internal.rules.TrackSnapshot;
import org.watchpost.analytics.internal.track.Box;
import org.watchpost.analytics.internal.track.ByteTracker;
import org.watchpost.analytics.internal.track.Track;
import org.watchpost.analytics.internal.track.TrackState;
import org.watchpost.api.detect.Detection;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.Region;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.event.Priority;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.pipeline.AnalyticsResult;
import org.watchpost.api.pipeline.CameraAnalytics;
import org.watchpost.api.pipeline.LiveScene;
import org.watchpost.api.pipeline.RuleShape;

/**
 * One camera's analytics. Each frame: the motion gate, then the decision whether the detector runs
 * (on the whole frame or a crop around small motion), the tracker, the rules, incidents. All timers
 * run on the frames' stream time ({@link Timeline}), so that a clip read faster than real time
 * behaves as the live camera would and a wall clock stepped by NTP moves no timer; events and
 * counts leave labelled with the wall clock.
 */
public final class CameraAnalyticsEngine implements CameraAnalytics {
  private static final Logger LOG = LoggerFactory.getLogger(CameraAnalyticsEngine.class);

  /** A motion region this much covered by followed objects is explained by them. */
  private static final float EXPLAINED = 0.6f;

  /** Share of a box in motion that shows an object moving in place. */
  private static final double MOVING_IN_PLACE = 0.2;

  /** Told when a camera enters or leaves degraded (load-shedding) mode. */
  public interface DegradedListener {
    void degraded(
        String cameraId, boolean degraded, long detectIntervalMillis, double load, long nowMillis);
  }

  private record Plan(Region region, boolean priority) {}

  private final String cameraId;
  private final AnalyticsSettings settings;
  private final Supplier<RuleBook> rules;
  private final AnalyticsStats stats;
  private final DegradedListener degradedListener;
  private final CameraControls controls;

  /** Counter resets asked for from other threads, applied before the next frame's rules. */
  private final ConcurrentLinkedQueue<CompletableFuture<Void>> resets =
      new ConcurrentLinkedQueue<>();

  private boolean closed;
  private final ByteTracker tracker;
  private final RuleEngine ruleEngine;
  private final IncidentGrouper incidents;
  private final LoadGovernor governor;
  private RuleBook applied;
  private List<Polygon> masks = List.of();
  private List<Rule> alarmZones = List.of();
  private MotionGate gate;
  private MotionResult lastMotion;
  private long lastRunMillis = Long.MIN_VALUE;
  private long lastFullMillis = Long.MIN_VALUE;
  private long confirmedSeen;
  private long countsPublished;
  private boolean detectorDown;
  private final Timeline timeline = new Timeline();

  CameraAnalyticsEngine(
      String cameraId,
      AnalyticsSettings settings,
      Supplier<RuleBook> rules,
      AnalyticsStats stats,
      DegradedListener degradedListener,
      CameraControls controls) {
    this.cameraId = cameraId;
    this.settings = settings;
    this.rules = rules;
    this.stats = stats;
    this.degradedListener = degradedListener;
    this.controls = controls;
    this.tracker = new ByteTracker(settings.tracker());
    this.ruleEngine = new RuleEngine(cameraId);
    this.incidents =
        settings.incidents()
            ? new IncidentGrouper(
                cameraId, settings.incidentQuietMillis(), settings.incidentMaxMillis())
            : null;
    this.governor =
        new LoadGovernor(
            settings.loadShedding(), settings.cpuBudget(), settings.maxDetectIntervalMillis());
    controls.started(cameraId, this);
  }

  /**
   * Asks for the counts to be zeroed before the next frame's rules; completes on the pipeline
   * thread then.
   */
  synchronized CompletableFuture<Void> requestReset() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    if (closed) {
      done.complete(null);
    } else {
      resets.add(done);
    }
    return done;
  }

  private void applyResets(long now) {
    if (resets.isEmpty()) {
      return;
    }
    ruleEngine.resetCounts(now);
    LOG.info("camera {}: counters reset", cameraId);
    CompletableFuture<Void> done;
    while ((done = resets.poll()) != null) {
      done.complete(null);
    }
  }

  @Override
  public AnalyticsResult process(Frame frame, Detector detector) {
    long start = System.nanoTime();
    long now = timeline.advance(frame.streamMillis(), frame.captureEpochMillis());
    ruleEngine.wallOffset(timeline.wallOffset());
    applyRules(frame);
    ruleEngine.armed(controls.armed(cameraId));
    applyResets(now);
    MotionResult motion = gate.apply(frame);
    lastMotion = motion;
    tracker.predict(now);
    Plan plan = settings.gating() ? plan(now, motion) : new Plan(null, false);
    if (plan != null && !governor.allows(now, lastRunMillis, plan.priority())) {
      stats.shedFrames.increment();
      plan = null;
    }
    DetectionResult result = null;
    long detectorNanos = 0;
    if (plan != null) {
      long t = System.nanoTime();
      result = detect(frame, detector, plan.region());
      detectorNanos = System.nanoTime() - t;
    }
    if (result != null) {
      Box coverage =
          plan.region() == null
              ? null
              : new Box(
                  plan.region().x(),
                  plan.region().y(),
                  plan.region().x() + plan.region().width(),
                  plan.region().y() + plan.region().height());
      tracker.update(
          coverage == null ? result.detections() : whole(result.detections(), plan.region(), frame),
          coverage,
          now);
      lastRunMillis = now;
      if (coverage == null) {
        lastFullMillis = now;
      } else {
        stats.cropRuns.increment();
      }
      stats.detectorRuns.increment();
    } else {
      stats.gatedFrames.increment();
    }
    noteMovementInPlace(motion);
    RuleEngine.Outcome outcome =
        ruleEngine.evaluate(snapshots(), now, frame.width(), frame.height());
    List<Event> ruleEvents = outcome.events();
    if (settings.jpegCrop() && !ruleEvents.isEmpty()) {
      ruleEvents = withCrops(frame, ruleEvents);
    }
    ruleEvents.forEach(e -> stats.ruleEvent(e.type()));
    List<Event> events = incidents == null ? ruleEvents : incidents.fold(ruleEvents, now);
    events.forEach(e -> stats.event(e.type()));
    if (ruleEngine.changes() != countsPublished) {
      countsPublished = ruleEngine.changes();
      stats.ruleCounts(cameraId, ruleEngine.totals());
    }
    long confirmed = tracker.confirmedTotal();
    stats.tracksConfirmed.add(confirmed - confirmedSeen);
    confirmedSeen = confirmed;
    long analyticsNanos = System.nanoTime() - start - detectorNanos;
    stats.frames.increment();
    stats.analyticsNanos(analyticsNanos);
    if (governor.record(now, System.nanoTime() - start)) {
      LOG.warn(
          "camera {}: {} (detector at most every {} ms, load {})",
          cameraId,
          governor.reportedDegraded()
              ? "analytics degraded, detection rate lowered"
              : "analytics back to full rate",
          governor.minIntervalMillis(),
          String.format("%.2f", governor.load()));
      degradedListener.degraded(
          cameraId,
          governor.reportedDegraded(),
          governor.minIntervalMillis(),
          governor.load(),
          timeline.label(now));
    }
    if (governor.degraded()) {
      stats.degradedFrames.increment();
    }
    return new AnalyticsResult(
        result, labelled(events), labelledCounts(outcome.counts()), analyticsNanos);
  }

  /** Events as they go out: their times on the wall clock. */
  private List<Event> labelled(List<Event> events) {
    long shift = timeline.wallOffset();
    if (shift == 0 || events.isEmpty()) {
      return events;
    }
    List<Event> out = new ArrayList<>(events.size());
    for (Event e : events) {
      out.add(
          new Event(
              e.type(),
              e.ruleId(),
              e.cameraId(),
              e.className(),
              e.trackId(),
              e.confidence(),
              e.box(),
              e.firstSeenMillis() + shift,
              e.eventTimeMillis() + shift,
              e.priority(),
              e.attributes(),
              e.jpegCrop()));
    }
    return out;
  }

  private List<CountSummary> labelledCounts(List<CountSummary> counts) {
    long shift = timeline.wallOffset();
    if (shift == 0 || counts.isEmpty()) {
      return counts;
    }
    List<CountSummary> out = new ArrayList<>(counts.size());
    for (CountSummary c : counts) {
      out.add(
          new CountSummary(
              c.cameraId(), c.ruleId(), c.fromMillis() + shift, c.toMillis() + shift, c.counts()));
    }
    return out;
  }

  /**
   * The detections of a crop that show a whole object: one that touches an edge of the crop inside
   * the frame is cut off there, and would start a fragment of a track.
   */
  private static List<Detection> whole(List<Detection> detections, Region crop, Frame frame) {
    float margin = 2;
    List<Detection> out = new ArrayList<>();
    for (Detection d : detections) {
      boolean cut =
          (crop.x() > 0 && d.x1() <= crop.x() + margin)
              || (crop.y() > 0 && d.y1() <= crop.y() + margin)
              || (crop.x() + crop.width() < frame.width()
                  && d.x2() >= crop.x() + crop.width() - margin)
              || (crop.y() + crop.height() < frame.height()
                  && d.y2() >= crop.y() + crop.height() - margin);
      if (!cut) {
        out.add(d);
      }
    }
    return out;
  }

  private DetectionResult detect(Frame frame, Detector detector, Region region) {
    try {
      DetectionResult result =
          region == null ? detector.detect(frame) : detector.detect(frame, region);
      if (detectorDown) {
        LOG.info("camera {}: detector back", cameraId);
        detectorDown = false;
      }
      return result;
    } catch (DetectorUnavailableException e) {
      if (!detectorDown) {
        LOG.warn("camera {}: detector unavailable, tracks coast: {}", cameraId, e.getMessage());
        detectorDown = true;
      }
      return null;
    }
  }

  private void applyRules(Frame frame) {
    RuleBook book = rules.get();
    boolean sizeChanged =
        gate != null
            && (gate.frameWidth() != frame.width() || gate.frameHeight() != frame.height());
    if (book == applied && !sizeChanged) {
      return;
    }
    List<Rule> mine = book.rules().stream().filter(r -> r.appliesTo(cameraId)).toList();
    List<Polygon> nextMasks =
        mine.stream().filter(r -> r.type() == RuleType.MOTION_MASK).map(Rule::zone).toList();
    alarmZones =
        mine.stream()
            .filter(r -> r.type() == RuleType.ZONE_INTRUSION && r.priority() == Priority.ALARM)
            .toList();
    ruleEngine.rules(mine);
    if (gate == null || sizeChanged || !nextMasks.equals(masks)) {
      if (gate != null) {
        gate.close();
      }
      gate = new MotionGate(settings.motion(), frame.width(), frame.height(), nextMasks);
      masks = nextMasks;
    }
    if (applied != null) {
      LOG.info("camera {}: {} rules in force", cameraId, ruleEngine.rules().size());
    }
    applied = book;
  }

  /** Whether the detector runs on this frame, and on what; null when it does not. */
  private Plan plan(long now, MotionResult motion) {
    if (lastRunMillis == Long.MIN_VALUE) {
      return new Plan(null, false);
    }
    List<Box> followed = new ArrayList<>();
    boolean moving = false;
    boolean still = false;
    for (Track t : tracker.tracks()) {
      if (t.stationary()) {
        still = true;
      } else {
        moving = true;
        Box b = t.box();
        float mx = b.width() * 0.25f;
        float my = b.height() * 0.15f;
        followed.add(new Box(b.x1() - mx, b.y1() - my, b.x2() + mx, b.y2() + my));
      }
    }
    List<Box> unexplained = new ArrayList<>();
    for (Box region : motion.regions()) {
      float covered = 0;
      for (Box f : followed) {
        covered += region.coveredBy(f);
      }
      if (covered < EXPLAINED) {
        unexplained.add(region);
      }
    }
    if (motion.global()) {
      return now - lastRunMillis >= settings.trackedMotionIntervalMillis()
          ? new Plan(null, false)
          : null;
    }
    if (!unexplained.isEmpty()) {
      boolean priority = threatensAlarmZone(unexplained, now);
      Region crop = cropFor(unexplained, now);
      return new Plan(crop, priority);
    }
    if (!motion.regions().isEmpty()
        && now - lastRunMillis >= settings.trackedMotionIntervalMillis()) {
      return new Plan(cropFor(motion.regions(), now), false);
    }
    if (moving && now - lastFullMillis >= settings.confirmIntervalMillis()) {
      return new Plan(null, false);
    }
    if (still && now - lastFullMillis >= settings.stationaryCheckMillis()) {
      return new Plan(null, false);
    }
    return null;
  }

  private boolean threatensAlarmZone(List<Box> regions, long now) {
    if (alarmZones.isEmpty()) {
      return false;
    }
    int w = gate.frameWidth();
    int h = gate.frameHeight();
    for (Rule r : alarmZones) {
      if (!r.schedule().armed(now, r.timeZone())) {
        continue;
      }
      for (Box b : regions) {
        if (r.zone().contains(b.centerX() / w, b.y2() / h)
            || r.zone().contains(b.centerX() / w, b.centerY() / h)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * A crop at model resolution around motion that is small enough, while the last full run is
   * recent.
   */
  private Region cropFor(List<Box> regions, long now) {
    int w = gate.frameWidth();
    int h = gate.frameHeight();
    int size = settings.cropSize();
    if (!settings.cropDetection()
        || size >= Math.min(w, h)
        || now - lastFullMillis >= settings.confirmIntervalMillis()) {
      return null;
    }
    float x1 = Float.MAX_VALUE, y1 = Float.MAX_VALUE, x2 = -Float.MAX_VALUE, y2 = -Float.MAX_VALUE;
    for (Box b : regions) {
      x1 = Math.min(x1, b.x1());
      y1 = Math.min(y1, b.y1());
      x2 = Math.max(x2, b.x2());
      y2 = Math.max(y2, b.y2());
    }
    float extent = Math.max(x2 - x1, y2 - y1);
    if (extent > settings.cropMaxMotion() * h || extent > size * 0.6f) {
      return null;
    }
    int cx = Math.round((x1 + x2) / 2);
    int cy = Math.round((y1 + y2) / 2);
    int x = Math.max(0, Math.min(w - size, cx - size / 2));
    int y = Math.max(0, Math.min(h - size, cy - size / 2));
    return new Region(x, y, size, size);
  }

  /**
   * A confirmed object that has not travelled but moves in place, alone in its box, is a real one.
   * Motion that only passes over it (a shadow, a passer-by) is larger than its box and does not
   * count.
   */
  private void noteMovementInPlace(MotionResult motion) {
    List<Track> all = tracker.tracks();
    for (Track t : all) {
      if (t.hasMoved() || t.state() != TrackState.CONFIRMED) {
        continue;
      }
      boolean alone = true;
      for (Track other : all) {
        if (other != t && other.box().coveredBy(t.box()) > 0) {
          alone = false;
          break;
        }
      }
      Box b = t.box();
      Box around =
          new Box(
              b.x1() - b.width() / 2,
              b.y1() - b.height() / 4,
              b.x2() + b.width() / 2,
              b.y2() + b.height() / 4);
      boolean local = true;
      for (Box region : motion.regions()) {
        if (region.coveredBy(b) > 0 || b.coveredBy(region) > 0) {
          local &= region.coveredBy(around) >= EXPLAINED;
        }
      }
      if (alone && local && !motion.global() && gate.motionIn(b) >= MOVING_IN_PLACE) {
        t.motionSeen();
      }
    }
  }

  private List<TrackSnapshot> snapshots() {
    List<TrackSnapshot> out = new ArrayList<>();
    for (Track t : tracker.tracks()) {
      if (t.live()) {
        out.add(
            new TrackSnapshot(
                t.id(),
                t.label(),
                t.score(),
                t.box(),
                t.firstSeenMillis(),
                t.hasMoved(),
                t.stationary(),
                t.state() == TrackState.CONFIRMED));
      }
    }
    return out;
  }

  private List<Event> withCrops(Frame frame, List<Event> events) {
    List<Event> out = new ArrayList<>(events.size());
    for (Event e : events) {
      byte[] crop = null;
      if (e.box() != null) {
        Box b =
            new Box(
                e.box().x() * frame.width(),
                e.box().y() * frame.height(),
                (e.box().x() + e.box().width()) * frame.width(),
                (e.box().y() + e.box().height()) * frame.height());
        crop = EventCrops.encode(frame, b, settings.jpegCropMaxBytes());
      }
      out.add(
          new Event(
              e.type(),
              e.ruleId(),
              e.cameraId(),
              e.className(),
              e.trackId(),
              e.confidence(),
              e.box(),
              e.firstSeenMillis(),
              e.eventTimeMillis(),
              e.priority(),
              e.attributes(),
              crop));
    }
    return out;
  }

  @Override
  public LiveScene liveScene() {
    List<LiveScene.LiveObject> objects = new ArrayList<>();
    for (Track t : tracker.tracks()) {
      if (t.live()) {
        Box b = t.box();
        objects.add(
            new LiveScene.LiveObject(
                t.id(),
                t.label(),
                t.score(),
                new LiveScene.Box(b.x1(), b.y1(), b.x2(), b.y2()),
                t.state() == TrackState.CONFIRMED));
      }
    }
    List<LiveScene.Box> motion = new ArrayList<>();
    if (lastMotion != null) {
      lastMotion
          .regions()
          .forEach(r -> motion.add(new LiveScene.Box(r.x1(), r.y1(), r.x2(), r.y2())));
    }
    List<RuleShape> shapes =
        applied == null
            ? List.of()
            : applied.rules().stream()
                .filter(r -> r.appliesTo(cameraId))
                .map(RuleChecks::shape)
                .toList();
    return new LiveScene(
        objects, motion, lastMotion != null && lastMotion.global(), shapes, governor.degraded());
  }

  /** The tracks currently followed (for tests and the benchmark). */
  List<Track> tracks() {
    return tracker.tracks();
  }

  RuleEngine ruleEngine() {
    return ruleEngine;
  }

  boolean degraded() {
    return governor.degraded();
  }

  @Override
  public AnalyticsResult finish(long captureEpochMillis) {
    long now = timeline.started() ? timeline.now() : captureEpochMillis;
    List<Event> events = incidents == null ? List.of() : incidents.closeAll(now);
    for (Event event : events) {
      stats.event(event.type());
    }
    return new AnalyticsResult(
        null, labelled(events), labelledCounts(ruleEngine.flushCounts(now)), 0);
  }

  @Override
  public void close() {
    controls.stopped(cameraId, this);
    synchronized (this) {
      closed = true;
      resets.forEach(done -> done.complete(null));
      resets.clear();
    }
    if (gate != null) {
      gate.close();
      gate = null;
    }
  }
}
