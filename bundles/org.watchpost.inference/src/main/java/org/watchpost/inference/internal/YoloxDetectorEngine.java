// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.onnxruntime.engine.OrtEngineProvider;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.watchpost.api.detect.DetectionResult;
import org.watchpost.api.detect.DetectorUnavailableException;
import org.watchpost.api.detect.ModelInfo;
import org.watchpost.api.detect.ModelProbe;
import org.watchpost.api.detect.Region;
import org.watchpost.api.frame.Frame;

/**
 * A loaded, verified, warmed-up YOLOX model behind DJL's ONNX Runtime engine. The ONNX Runtime
 * session is shared; each concurrent caller borrows a lane (a DJL predictor and its input buffers).
 */
public final class YoloxDetectorEngine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(YoloxDetectorEngine.class);
  private static final String ENGINE = "OnnxRuntime";

  private final VerifiedModel model;
  private final ZooModel<YoloxCall, YoloxCall> djlModel;
  private final ConcurrentLinkedDeque<Lane> lanes = new ConcurrentLinkedDeque<>();
  private final java.util.concurrent.atomic.AtomicInteger lanesMade =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * Calls hold the read side; closing takes the write side so that no call runs on a freed session.
   */
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();

  private boolean closed;

  private record Lane(Predictor<YoloxCall, YoloxCall> predictor, YoloxPreprocessor preprocessor) {}

  private YoloxDetectorEngine(VerifiedModel model, ZooModel<YoloxCall, YoloxCall> djlModel) {
    this.model = model;
    this.djlModel = djlModel;
  }

  /** Loads the model into ONNX Runtime through DJL and runs the warm-up inferences. */
  public static YoloxDetectorEngine load(VerifiedModel model, DetectorSettings settings)
      throws ModelException {
    // ONNX Runtime's natives from the one extracted copy, before DJL's engine first loads them.
    org.watchpost.api.natives.NativeLibraries.prepareOnnxRuntime(
        ai.onnxruntime.OrtEnvironment.class);
    ModelManifest manifest = model.manifest();
    boolean[] keep = classesKept(model.labels(), settings.classes());
    YoloxDecoder decoder = new YoloxDecoder(manifest, model.labels());
    ZooModel<YoloxCall, YoloxCall> djlModel =
        withBundleClassLoader(
            () -> {
              ensureEngineRegistered();
              Criteria<YoloxCall, YoloxCall> criteria =
                  Criteria.builder()
                      .setTypes(YoloxCall.class, YoloxCall.class)
                      .optEngine(ENGINE)
                      .optModelPath(model.modelFile())
                      .optOption("intraOpNumThreads", Integer.toString(settings.intraOpThreads()))
                      .optOption("interOpNumThreads", "1")
                      .optTranslator(new YoloxTranslator(decoder, manifest, keep, settings))
                      .build();
              return criteria.loadModel();
            },
            model);
    YoloxDetectorEngine engine = new YoloxDetectorEngine(model, djlModel);
    engine.warmUp(settings.warmupRuns());
    LOG.info(
        "model {} {} loaded (sha256 {}), {} intra-op thread(s), classes {}",
        manifest.name(),
        manifest.version(),
        model.modelSha256(),
        settings.intraOpThreads(),
        settings.classes());
    return engine;
  }

  private interface Loader<T> {
    T load() throws IOException, ModelNotFoundException, MalformedModelException;
  }

  /**
   * DJL finds its engine and model zoo with {@link java.util.ServiceLoader} on the thread's context
   * class loader, from static initialisers that run on first use; inside OSGi that must be this
   * bundle's loader, which holds DJL and ONNX Runtime, whatever thread (Config Admin's, SCR's)
   * activates the detector.
   */
  private static <T> T withBundleClassLoader(Loader<T> loader, VerifiedModel model)
      throws ModelException {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(YoloxDetectorEngine.class.getClassLoader());
    try {
      return loader.load();
    } catch (IOException
        | ModelNotFoundException
        | MalformedModelException
        | RuntimeException
        | LinkageError
        | java.util.ServiceConfigurationError e) {
      throw new ModelException(
          "ONNX Runtime cannot load model file " + model.modelFile() + ": " + e, e);
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  private static void ensureEngineRegistered() {
    // DJL reads this from the system properties, not the framework's: nothing is downloaded and no
    // telemetry
    // is sent, whatever launched the runtime.
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    if (!Engine.hasEngine(ENGINE)) {
      Engine.registerEngine(new OrtEngineProvider());
    }
  }

  static boolean[] classesKept(List<String> labels, List<String> wanted) throws ModelException {
    boolean[] keep = new boolean[labels.size()];
    for (String name : wanted) {
      int index = labels.indexOf(name);
      if (index < 0) {
        throw new ModelException(
            "invalid detector configuration "
                + InferenceConfig.PID
                + ": classes names '"
                + name
                + "', which the model does not know (it knows "
                + String.join(", ", labels)
                + ")");
      }
      keep[index] = true;
    }
    return keep;
  }

  private void warmUp(int runs) throws ModelException {
    if (runs == 0) {
      return;
    }
    ModelManifest.InputSpec input = model.manifest().input();
    Mat grey =
        new Mat(input.height(), input.width(), CvType.CV_8UC3, org.opencv.core.Scalar.all(114));
    try {
      for (int i = 0; i < runs; i++) {
        run(grey, 0, 0, input.width(), input.height());
      }
    } catch (DetectorUnavailableException e) {
      throw new ModelException(
          "model " + model.modelFile() + " failed its warm-up inference: " + e.getMessage(), e);
    } finally {
      grey.release();
    }
  }

  public ModelInfo info() {
    return model.info();
  }

  public VerifiedModel model() {
    return model;
  }

  public DetectionResult detect(Frame frame, Region region) throws DetectorUnavailableException {
    Mat whole = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
    try {
      return detect(whole, region);
    } finally {
      whole.release();
    }
  }

  /**
   * Detects in the whole frame and describes the raw output, for validating a model before it
   * serves.
   */
  public ModelProbe probe(Frame frame) throws DetectorUnavailableException {
    Mat whole = new Mat(frame.height(), frame.width(), CvType.CV_8UC3, frame.pixels());
    YoloxCall.OutputStats stats = new YoloxCall.OutputStats();
    try {
      DetectionResult result = run(whole, 0, 0, whole.cols(), whole.rows(), stats);
      return new ModelProbe(
          result,
          stats.shape,
          stats.nonFinite,
          stats.scoresOutOfRange,
          stats.rowsOverThreshold,
          stats.rows);
    } catch (DetectorUnavailableException e) {
      ModelManifest.OutputSpec declared = model.manifest().output();
      if (stats.shape != null
          && !java.util.Arrays.equals(
              stats.shape, declared.shape().stream().mapToLong(Integer::longValue).toArray())) {
        throw new DetectorUnavailableException(
            "model "
                + model.info().name()
                + " "
                + model.info().version()
                + " returned an output of shape "
                + java.util.Arrays.toString(stats.shape)
                + ", its manifest declares "
                + declared.shape());
      }
      throw e;
    } finally {
      whole.release();
    }
  }

  /** Detects in a BGR image, or in one region of it; boxes in whole-image pixels. */
  public DetectionResult detect(Mat image, Region region) throws DetectorUnavailableException {
    if (region == null) {
      return run(image, 0, 0, image.cols(), image.rows());
    }
    Rect clipped = clip(region, image.cols(), image.rows());
    if (clipped == null) {
      throw new IllegalArgumentException(
          "region " + region + " lies outside the " + image.cols() + "x" + image.rows() + " frame");
    }
    Mat crop = image.submat(clipped);
    try {
      return run(crop, clipped.x, clipped.y, image.cols(), image.rows());
    } finally {
      crop.release();
    }
  }

  private static Rect clip(Region region, int width, int height) {
    int x1 = Math.max(0, region.x());
    int y1 = Math.max(0, region.y());
    int x2 = Math.min(width, region.x() + region.width());
    int y2 = Math.min(height, region.y() + region.height());
    return x2 - x1 < 2 || y2 - y1 < 2 ? null : new Rect(x1, y1, x2 - x1, y2 - y1);
  }

  private DetectionResult run(Mat image, int offsetX, int offsetY, int frameWidth, int frameHeight)
      throws DetectorUnavailableException {
    return run(image, offsetX, offsetY, frameWidth, frameHeight, null);
  }

  private DetectionResult run(
      Mat image,
      int offsetX,
      int offsetY,
      int frameWidth,
      int frameHeight,
      YoloxCall.OutputStats stats)
      throws DetectorUnavailableException {
    lifecycle.readLock().lock();
    try {
      if (closed) {
        throw new DetectorUnavailableException("model " + model.info().name() + " was unloaded");
      }
      Lane lane = borrow();
      try {
        YoloxCall call =
            new YoloxCall(image, offsetX, offsetY, frameWidth, frameHeight, lane.preprocessor());
        call.outputStats = stats;
        call.startNanos = System.nanoTime();
        lane.predictor().predict(call);
        return new DetectionResult(
            call.detections,
            call.preprocessedNanos - call.startNanos,
            call.inferredNanos - call.preprocessedNanos,
            call.decodedNanos - call.inferredNanos,
            model.info());
      } catch (TranslateException | RuntimeException e) {
        throw new DetectorUnavailableException(
            "inference failed on model " + model.info().name() + ": " + e.getMessage());
      } finally {
        lanes.push(lane);
      }
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** Predictors made so far: the most inferences that ran at once on this model. */
  int lanesMade() {
    return lanesMade.get();
  }

  private Lane borrow() {
    Lane lane = lanes.poll();
    if (lane == null) {
      lanesMade.incrementAndGet();
      lane = new Lane(djlModel.newPredictor(), new YoloxPreprocessor(model.manifest().input()));
    }
    return lane;
  }

  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      Lane lane;
      while ((lane = lanes.poll()) != null) {
        lane.predictor().close();
        lane.preprocessor().close();
      }
      djlModel.close();
    } finally {
      lifecycle.writeLock().unlock();
    }
  }
}
