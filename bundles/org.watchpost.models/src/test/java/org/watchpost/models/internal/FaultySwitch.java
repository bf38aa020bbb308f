// SPDX-License-Identifier: Apache-2.0
package org.watchpost.models.internal;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.LoadedModel;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.api.detect.ModelLoadException;
import org.watchpost.api.detect.ModelProbe;
import org.watchpost.api.detect.ModelSwitch;
import org.watchpost.api.detect.ServingStats;
import org.watchpost.api.frame.Frame;

/**
 * Failure injection around the real detector's model switch, keyed by model version: a slow model
 * (each probe sleeps), or one that fails or slows down once it serves (its serving stats report
 * errors or a slow median).
 */
final class FaultySwitch implements ModelSwitch {
  enum Fault {
    SLOW_PROBE,
    SERVING_ERRORS,
    SERVING_SLOW
  }

  private final ModelSwitch real;
  final Map<String, Fault> faults = new ConcurrentHashMap<>();
  private final Map<LoadedModel, LoadedModel> wrapped = new ConcurrentHashMap<>();

  FaultySwitch(ModelSwitch real) {
    this.real = real;
  }

  private final class Slow implements LoadedModel {
    private final LoadedModel inner;

    Slow(LoadedModel inner) {
      this.inner = inner;
    }

    @Override
    public ModelInfo info() {
      return inner.info();
    }

    @Override
    public String manifest() {
      return inner.manifest();
    }

    @Override
    public ModelProbe probe(Frame frame) throws DetectorUnavailableException {
      long started = System.nanoTime();
      ModelProbe p = inner.probe(frame);
      try {
        Thread.sleep(30);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      long extra = System.nanoTime() - started - p.result().totalNanos();
      var r = p.result();
      return new ModelProbe(
          new org.watchpost.api.detect.DetectionResult(
              r.detections(),
              r.preprocessNanos(),
              r.inferenceNanos() + extra,
              r.postprocessNanos(),
              r.model()),
          p.outputShape(),
          p.nonFinite(),
          p.scoresOutOfRange(),
          p.rowsOverThreshold(),
          p.rows());
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  @Override
  public LoadedModel load(Path manifest) throws ModelLoadException {
    LoadedModel loaded = real.load(manifest);
    if (faults.get(loaded.info().version()) == Fault.SLOW_PROBE) {
      LoadedModel slow = new Slow(loaded);
      wrapped.put(slow, loaded);
      return slow;
    }
    return loaded;
  }

  @Override
  public LoadedModel active() {
    return real.active();
  }

  @Override
  public LoadedModel activate(LoadedModel model) {
    return real.activate(wrapped.getOrDefault(model, model));
  }

  @Override
  public ServingStats servingStats() {
    ServingStats s = real.servingStats();
    Fault fault = s.model() == null ? null : faults.get(s.model().version());
    if (fault == Fault.SERVING_ERRORS) {
      long errors = s.calls() / 5 + 1;
      return new ServingStats(
          s.model(),
          s.sinceMillis(),
          s.calls(),
          s.errors() + errors,
          s.p50Millis(),
          s.p95Millis(),
          "injected: ONNX Runtime failed");
    }
    if (fault == Fault.SERVING_SLOW) {
      return new ServingStats(
          s.model(),
          s.sinceMillis(),
          s.calls(),
          s.errors(),
          s.p50Millis() * 10 + 50,
          s.p95Millis() * 10 + 50,
          s.lastError());
    }
    return s;
  }
}
