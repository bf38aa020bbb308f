// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.Mat;
import org.opencv.videoio.VideoCapture;
import org.watchpost.api.detect.Detection;
import org.watchpost.inference.internal.DetectorSettings;
import org.watchpost.inference.internal.InferenceConfig;
import org.watchpost.inference.internal.VerifiedModel;
import org.watchpost.inference.internal.YoloxDetectorEngine;
import org.watchpost.testing.Configs;
import org.watchpost.testing.SharedData;
import org.watchpost.testing.TestModels;

/**
 * The accuracy gate of the INT8 model: quantized here from the real YOLOX-Nano on a small
 * calibration set, then run through the device's own detector (manifest, hash check, DJL, ONNX
 * Runtime, decode, NMS) beside FP32 on vtest frames and the shared COCO images. It must find the
 * same people.
 */
class Int8AccuracyTest {
  /** FP32 boxes at least this sure must be found again by INT8. */
  static final float CONFIDENT = 0.5f;

  static final int CALIBRATION_FRAMES = 40;

  /** Every tenth vtest frame, offset from the calibration frames. */
  static final int VTEST_STEP = 10;

  static YoloxDetectorEngine fp32;
  static YoloxDetectorEngine int8;
  static QuantizeTool.Outcome outcome;

  @BeforeAll
  static void quantize() throws Exception {
    nu.pattern.OpenCV.loadLocally();
    Path fp32Manifest = TestModels.yoloxNanoManifest();
    // The detector first: DJL insists on creating ONNX Runtime's environment itself.
    DetectorSettings settings =
        DetectorSettings.from(Configs.defaults(InferenceConfig.class)).withManifest(fp32Manifest);
    fp32 = YoloxDetectorEngine.load(VerifiedModel.load(fp32Manifest), settings);
    Path out = SharedData.scratchDirectory("yolox-nano-int8");
    outcome =
        QuantizeTool.run(
            new QuantizeTool.Request(
                fp32Manifest.getParent(),
                List.of(SharedData.vtestMjpeg()),
                null,
                out,
                null,
                CALIBRATION_FRAMES,
                2,
                QuantizeOptions.defaults()));
    int8 =
        YoloxDetectorEngine.load(
            VerifiedModel.load(outcome.manifest()), settings.withManifest(outcome.manifest()));
  }

  @AfterAll
  static void close() {
    if (fp32 != null) {
      fp32.close();
    }
    if (int8 != null) {
      int8.close();
    }
  }

  @Test
  void theInt8ModelIsAQdqModelTheDeviceLoadsByItsManifest() throws Exception {
    assertTrue(
        Files.size(outcome.model()) < Files.size(SharedData.yoloxNano()) / 2,
        "int8 weights should make the file far smaller: " + Files.size(outcome.model()));
    assertEquals(CALIBRATION_FRAMES, outcome.frames());
    assertTrue(
        outcome.summary().quantizedNodes() > 300,
        "most of the network runs in int8: " + outcome.summary());
    assertTrue(int8.info().name().endsWith("-int8"), int8.info().name());
    assertEquals(outcome.sha256(), int8.info().sha256());
    var model = OnnxFiles.read(outcome.model());
    assertTrue(
        model.getGraph().getNodeList().stream()
            .anyMatch(n -> n.getOpType().equals("QuantizeLinear")));
  }

  @Test
  void findsTheSamePeopleAsFp32OnVtestAndCocoImages() throws Exception {
    List<Mat> frames = new ArrayList<>();
    VideoCapture video = new VideoCapture(SharedData.vtestMjpeg().toString());
    try {
      Mat frame = new Mat();
      for (int n = 0; video.read(frame); n++) {
        if (n % VTEST_STEP == VTEST_STEP / 2) {
          frames.add(frame.clone());
        }
      }
      frame.release();
    } finally {
      video.release();
    }
    int vtestFrames = frames.size();
    for (Path image :
        CalibrationFrames.imagesIn(SharedData.image("000000000139.jpg").getParent())) {
      frames.add(CalibrationFrames.read(image));
    }
    int countsWithinOne = 0;
    int confident = 0;
    int recalled = 0;
    for (int i = 0; i < frames.size(); i++) {
      Mat frame = frames.get(i);
      List<Detection> a = fp32.detect(frame, null).detections();
      List<Detection> b = int8.detect(frame, null).detections();
      long pa = a.stream().filter(d -> d.label().equals("person")).count();
      long pb = b.stream().filter(d -> d.label().equals("person")).count();
      if (Math.abs(pa - pb) <= 1) {
        countsWithinOne++;
      } else {
        System.out.printf(
            "frame %d: %d people in FP32, %d in INT8; FP32 %s%n INT8 %s%n",
            i,
            pa,
            pb,
            a.stream()
                .filter(d -> d.label().equals("person"))
                .map(d -> String.format("%.2f", d.score()))
                .toList(),
            b.stream()
                .filter(d -> d.label().equals("person"))
                .map(d -> String.format("%.2f", d.score()))
                .toList());
      }
      for (Detection d : a) {
        if (d.score() >= CONFIDENT) {
          confident++;
          if (b.stream().anyMatch(e -> e.classId() == d.classId() && e.iou(d) >= 0.5f)) {
            recalled++;
          }
        }
      }
      frame.release();
    }
    double countShare = (double) countsWithinOne / frames.size();
    double recall = (double) recalled / confident;
    System.out.println(
        outcome.summary().quantizedNodes() + " quantized, float: " + outcome.summary().floatOps());
    System.out.printf(
        "INT8 vs FP32 on %d frames (%d vtest, %d COCO): person count within 1 on %.1f %%, recall of "
            + "FP32 boxes >= %.1f at IoU 0.5: %d/%d = %.3f%n",
        frames.size(),
        vtestFrames,
        frames.size() - vtestFrames,
        100 * countShare,
        CONFIDENT,
        recalled,
        confident,
        recall);
    assertTrue(vtestFrames >= 70, "vtest gave " + vtestFrames + " frames");
    assertTrue(confident >= 100, "too few confident boxes to judge: " + confident);
    assertTrue(countShare >= 0.95, "person count within 1 on only " + countShare);
    assertTrue(recall >= 0.9, "recall " + recall);
  }
}
