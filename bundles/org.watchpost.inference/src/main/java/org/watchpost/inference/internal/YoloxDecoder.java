// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.opencv.core.MatOfFloat;
import org.opencv.core.MatOfInt;
import org.opencv.core.MatOfRect2d;
import org.opencv.core.Rect2d;
import org.opencv.dnn.Dnn;
import org.watchpost.api.detect.Detection;

/**
 * Decodes YOLOX's raw output ({@code rows x (5 + classes)} in grid units, objectness and class
 * scores already through a sigmoid), applies per-class NMS and maps boxes back to whole-frame
 * pixels.
 */
final class YoloxDecoder {
  private final int rowLength;
  private final int rows;
  private final float[] gridX;
  private final float[] gridY;
  private final float[] stride;
  private final List<String> labels;

  YoloxDecoder(ModelManifest manifest, List<String> labels) {
    this.rowLength = manifest.output().rowLength();
    this.rows = manifest.output().rows();
    this.labels = List.copyOf(labels);
    this.gridX = new float[rows];
    this.gridY = new float[rows];
    this.stride = new float[rows];
    int row = 0;
    for (int s : manifest.output().strides()) {
      int columns = manifest.input().width() / s;
      int lines = manifest.input().height() / s;
      for (int y = 0; y < lines; y++) {
        for (int x = 0; x < columns; x++) {
          gridX[row] = x;
          gridY[row] = y;
          stride[row] = s;
          row++;
        }
      }
    }
  }

  /**
   * @param output the raw output, {@code rows * rowLength} floats
   * @param keep which class ids to report
   * @param frameWidth boxes are clipped to the frame
   * @param frameHeight boxes are clipped to the frame
   */
  List<Detection> decode(
      FloatBuffer output,
      Letterbox letterbox,
      boolean[] keep,
      float scoreThreshold,
      float nmsThreshold,
      int maxDetections,
      int frameWidth,
      int frameHeight) {
    if (output.remaining() < rows * rowLength) {
      throw new IllegalArgumentException(
          "model output has " + output.remaining() + " values, expected " + rows * rowLength);
    }
    int base = output.position();
    List<Rect2d> boxes = new ArrayList<>();
    List<Float> scores = new ArrayList<>();
    List<Integer> classes = new ArrayList<>();
    int classCount = rowLength - 5;
    for (int row = 0; row < rows; row++) {
      int at = base + row * rowLength;
      float objectness = output.get(at + 4);
      // score = objectness x class score <= objectness: most rows end here.
      if (!(objectness >= scoreThreshold)) {
        continue;
      }
      int bestClass = -1;
      float bestScore = 0;
      for (int c = 0; c < classCount; c++) {
        if (keep[c]) {
          float score = objectness * output.get(at + 5 + c);
          if (score > bestScore) {
            bestScore = score;
            bestClass = c;
          }
        }
      }
      if (bestClass < 0 || !(bestScore >= scoreThreshold)) {
        continue;
      }
      float s = stride[row];
      float cx = (output.get(at) + gridX[row]) * s;
      float cy = (output.get(at + 1) + gridY[row]) * s;
      float w = (float) Math.exp(output.get(at + 2)) * s;
      float h = (float) Math.exp(output.get(at + 3)) * s;
      if (!Float.isFinite(cx) || !Float.isFinite(cy) || !Float.isFinite(w) || !Float.isFinite(h)) {
        continue;
      }
      float x1 = clamp(letterbox.toFrameX(cx - w / 2), frameWidth);
      float y1 = clamp(letterbox.toFrameY(cy - h / 2), frameHeight);
      float x2 = clamp(letterbox.toFrameX(cx + w / 2), frameWidth);
      float y2 = clamp(letterbox.toFrameY(cy + h / 2), frameHeight);
      if (x2 - x1 < 1 || y2 - y1 < 1) {
        continue;
      }
      boxes.add(new Rect2d(x1, y1, x2 - x1, y2 - y1));
      scores.add(bestScore);
      classes.add(bestClass);
    }
    if (boxes.isEmpty()) {
      return List.of();
    }
    return suppress(boxes, scores, classes, scoreThreshold, nmsThreshold, maxDetections);
  }

  private List<Detection> suppress(
      List<Rect2d> boxes,
      List<Float> scores,
      List<Integer> classes,
      float scoreThreshold,
      float nmsThreshold,
      int maxDetections) {
    MatOfRect2d boxMat = new MatOfRect2d();
    MatOfFloat scoreMat = new MatOfFloat();
    MatOfInt classMat = new MatOfInt();
    MatOfInt kept = new MatOfInt();
    try {
      boxMat.fromList(boxes);
      float[] scoreArray = new float[scores.size()];
      int[] classArray = new int[classes.size()];
      for (int i = 0; i < scoreArray.length; i++) {
        scoreArray[i] = scores.get(i);
        classArray[i] = classes.get(i);
      }
      scoreMat.fromArray(scoreArray);
      classMat.fromArray(classArray);
      // OpenCV's class-aware NMS: boxes of different classes never suppress each other. Kept
      // indices come
      // back sorted by descending score.
      Dnn.NMSBoxesBatched(
          boxMat, scoreMat, classMat, scoreThreshold, nmsThreshold, kept, 1.0f, maxDetections);
      int[] indices = kept.toArray();
      List<Detection> detections = new ArrayList<>(indices.length);
      for (int index : indices) {
        Rect2d box = boxes.get(index);
        int classId = classArray[index];
        detections.add(
            new Detection(
                classId,
                labels.get(classId),
                scoreArray[index],
                (float) box.x,
                (float) box.y,
                (float) (box.x + box.width),
                (float) (box.y + box.height)));
      }
      return detections;
    } finally {
      boxMat.release();
      scoreMat.release();
      classMat.release();
      kept.release();
    }
  }

  private static float clamp(float value, int limit) {
    return Math.max(0, Math.min(limit, value));
  }

  int rows() {
    return rows;
  }

  int rowLength() {
    return rowLength;
  }
}
