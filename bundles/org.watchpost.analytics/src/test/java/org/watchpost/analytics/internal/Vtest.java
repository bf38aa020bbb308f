// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.watchpost.analytics.internal.rules.RuleParser;
import org.watchpost.analytics.internal.track.Track;
import org.watchpost.api.detect.Detector;
import org.watchpost.api.event.CountSummary;
import org.watchpost.api.event.Event;
import org.watchpost.api.frame.Frame;
import org.watchpost.api.frame.FrameSource;
import org.watchpost.api.frame.SourceSpec;
import org.watchpost.api.pipeline.AnalyticsResult;
import org.watchpost.capture.internal.CaptureComponent;
import org.watchpost.capture.internal.CaptureConfig;
import org.watchpost.inference.internal.DetectorComponent;
import org.watchpost.inference.internal.InferenceConfig;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * The real detector, the real clip, and a run of the analytics over it, for the tests and the
 * benchmark.
 */
final class Vtest {
  static final int FRAMES = 795;
  private static DetectorComponent detector;

  private Vtest() {}

  static synchronized Detector detector() {
    if (detector == null) {
      detector =
          new DetectorComponent(
              Configs.with(
                  InferenceConfig.class,
                  Map.of("model_manifest", TestModels.yoloxNanoManifest().toString())));
    }
    return detector;
  }

  /** Reads vtest frame by frame; each frame is closed after the consumer has seen it. */
  static void frames(Consumer<Frame> consumer) {
    frames(Integer.MAX_VALUE, consumer);
  }

  /** The first {@code limit} frames of vtest. */
  static void frames(int limit, Consumer<Frame> consumer) {
    FrameSource source =
        new CaptureComponent(Configs.defaults(CaptureConfig.class))
            .open(new SourceSpec("vtest", SharedData.vtestMjpeg().toString(), false, false));
    try {
      Frame next;
      int read = 0;
      while (read++ < limit && (next = source.read()) != null) {
        try (Frame frame = next) {
          consumer.accept(frame);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      source.close();
    }
  }

  /**
   * The default rule set for vtest, read from the configuration file the demo uses, through the
   * Metatype types.
   */
  static List<RuleSource> defaultRules() {
    Path file =
        SharedData.projectRoot().resolve("bundles/org.watchpost.analytics/config/vtest-rules.json");
    JsonObject root;
    try {
      root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<RuleSource> rules = new ArrayList<>();
    for (Map.Entry<String, JsonElement> entry : root.entrySet()) {
      if (entry.getKey().startsWith(":configurator:")) {
        continue;
      }
      Map<String, Object> values = new HashMap<>();
      for (Map.Entry<String, JsonElement> p : entry.getValue().getAsJsonObject().entrySet()) {
        JsonElement v = p.getValue();
        // Property names as Declarative Services derives them: a dot for each underscore of the
        // method name.
        String method = p.getKey().replace('.', '_');
        Class<?> type;
        try {
          type = RuleConfig.class.getMethod(method).getReturnType();
        } catch (NoSuchMethodException e) {
          throw new AssertionError(
              file
                  + ": "
                  + entry.getKey()
                  + " has a property RuleConfig does not know: "
                  + p.getKey());
        }
        Object value;
        if (type == String[].class) {
          List<String> items = new ArrayList<>();
          v.getAsJsonArray().forEach(i -> items.add(i.getAsString()));
          value = items.toArray(String[]::new);
        } else if (type == int.class) {
          value = v.getAsInt();
        } else if (type == double.class) {
          value = v.getAsDouble();
        } else {
          value = v.getAsString();
        }
        values.put(method, value);
      }
      rules.add(
          source(
              entry.getKey(),
              RuleComponent.input(Configs.with(RuleConfig.class, values), entry.getKey())));
    }
    return rules;
  }

  static RuleSource source(String pid, RuleParser.Input input) {
    return new RuleSource() {
      @Override
      public String pid() {
        return pid;
      }

      @Override
      public RuleParser.Input input() {
        return input;
      }
    };
  }

  static AnalyticsComponent component(Map<String, Object> config, List<RuleSource> rules) {
    AnalyticsComponent component =
        new AnalyticsComponent(Configs.with(AnalyticsConfig.class, config));
    rules.forEach(component::addRule);
    return component;
  }

  /**
   * What happened on one frame; {@code confirmedPersons} counts person tracks matched on their last
   * detector run.
   */
  record FrameLog(
      long sequence,
      long streamMillis,
      boolean detectorRan,
      long analyticsNanos,
      long detectorNanos,
      int personDetections,
      int confirmedPersons) {}

  /** A whole run. */
  record Run(
      List<FrameLog> frames,
      List<Event> events,
      List<CountSummary> counts,
      Set<Long> personIds,
      Map<String, Map<String, Long>> totals,
      Map<String, Object> summary,
      long detections,
      Map<Long, String> lives,
      long startMillis) {

    long detectorRuns() {
      return frames.stream().filter(FrameLog::detectorRan).count();
    }
  }

  /** Runs one camera's analytics over the frames the source gives. */
  static Run run(
      AnalyticsComponent component, Consumer<Consumer<Frame>> source, Detector detector) {
    CameraAnalyticsEngine engine = (CameraAnalyticsEngine) component.create("vtest");
    List<FrameLog> logs = new ArrayList<>();
    List<Event> events = new ArrayList<>();
    List<CountSummary> counts = new ArrayList<>();
    Set<Long> personIds = new HashSet<>();
    long[] detections = {0};
    long[] start = {Long.MIN_VALUE};
    Map<Long, String> lives = new java.util.TreeMap<>();
    source.accept(
        frame -> {
          if (start[0] == Long.MIN_VALUE) {
            start[0] = frame.captureEpochMillis();
          }
          AnalyticsResult r = engine.process(frame, detector);
          events.addAll(r.events());
          counts.addAll(r.counts());
          int persons = 0;
          for (Track t : engine.tracks()) {
            if (t.live() && t.label().equals("person")) {
              personIds.add(t.id());
              String where =
                  String.format("%d@%.0f,%.0f", frame.sequence(), t.box().centerX(), t.box().y2());
              lives.merge(
                  t.id(),
                  where + " .. " + where,
                  (old, now) -> old.substring(0, old.indexOf(" .. ")) + " .. " + where);
              persons++;
            }
          }
          int personDetections = 0;
          if (r.detectorRan()) {
            detections[0] += r.detections().detections().size();
            personDetections =
                (int)
                    r.detections().detections().stream()
                        .filter(d -> d.label().equals("person"))
                        .count();
          }
          logs.add(
              new FrameLog(
                  frame.sequence(),
                  frame.streamMillis(),
                  r.detectorRan(),
                  r.analyticsNanos(),
                  r.detectorRan() ? r.detections().totalNanos() : 0,
                  personDetections,
                  persons));
        });
    Map<String, Map<String, Long>> totals = engine.ruleEngine().totals();
    engine.close();
    return new Run(
        logs,
        events,
        counts,
        personIds,
        totals,
        component.summary(),
        detections[0],
        lives,
        start[0]);
  }
}
