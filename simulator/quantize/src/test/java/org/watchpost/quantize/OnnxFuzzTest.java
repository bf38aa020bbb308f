// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.HashMap;
import java.util.Map;
import org.watchpost.quantize.onnx.Onnx.ModelProto;

/**
 * A model file is input from outside: any bytes either quantize or are refused with a
 * QuantizeException naming the problem; any other exception or error is a finding. Bounded in time
 * in the normal build.
 */
class OnnxFuzzTest {
  /** One fuzz test per JVM: Jazzer's fuzzing mode runs only the first. */
  @FuzzTest(maxDuration = "10s")
  void anyBytesQuantizeOrAreRefusedCleanly(byte[] data) {
    try {
      ModelProto model = OnnxFiles.parse(data, "fuzz");
      QdqPlan plan = QdqQuantizer.plan(QdqQuantizer.raiseOpset(model), QuantizeOptions.defaults());
      Map<String, float[]> ranges = new HashMap<>();
      for (String tensor : plan.activations) {
        ranges.put(tensor, new float[] {-1f, 1f});
      }
      QdqQuantizer.quantize(
          model, new Ranges(1, null, "minmax", 1, "fuzz", ranges), QuantizeOptions.defaults());
    } catch (QuantizeException e) {
      // refused with a reason: fine
    }
  }
}
