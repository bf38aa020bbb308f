// SPDX-License-Identifier: Apache-2.0
package org.watchpost.inference.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(
    id = InferenceConfig.PID,
    name = "Watchpost detector",
    description = "The object detector: which model, which classes, how strict, how many threads.")
public @interface InferenceConfig {
  String PID = "org.watchpost.inference";

  @AttributeDefinition(
      name = "Model manifest",
      description =
          "Path of the model's manifest.json; the model and label files sit beside it and are checked against its hashes.")
  String model_manifest() default "models/yolox-nano/manifest.json";

  @AttributeDefinition(
      name = "Classes kept",
      description = "Label names of the classes reported; all others are dropped.")
  String[] classes() default {"person", "bicycle", "car", "motorcycle", "bus", "truck"};

  @AttributeDefinition(
      name = "Score threshold",
      description = "Lowest objectness x class score kept (0..1).",
      min = "0",
      max = "1")
  float score_threshold() default 0.3f;

  @AttributeDefinition(
      name = "NMS threshold",
      description =
          "Overlap (IoU) above which the weaker of two boxes of one class is suppressed (0..1).",
      min = "0",
      max = "1")
  float nms_threshold() default 0.45f;

  @AttributeDefinition(
      name = "Intra-op threads",
      description =
          "ONNX Runtime threads for one inference; set once for the device, the session is shared by every camera.",
      min = "1",
      max = "64")
  int intra_op_threads() default 1;

  @AttributeDefinition(
      name = "Warm-up runs",
      description = "Inferences run at load so that the first real frame is not slow.",
      min = "0",
      max = "20")
  int warmup_runs() default 2;

  @AttributeDefinition(name = "Most detections per frame", min = "1", max = "1000")
  int max_detections() default 100;

  @AttributeDefinition(
      name = "Concurrent inferences",
      description =
          "Inferences run at once on the shared session; the cameras take turns for them, the least-served camera first. 0: one per intra-op thread group that fits the CPU cores (cores / intra-op threads).",
      min = "0",
      max = "64")
  int scheduler_slots() default 0;
}
