// SPDX-License-Identifier: Apache-2.0
package org.watchpost.quantize;

import java.util.Set;

/**
 * How to quantize.
 *
 * @param floatStemLayers how many weighted layers from the input stay float (with everything before
 *     the next one)
 * @param floatHeadConvs keep the last weighted layers before the outputs (a detector's prediction
 *     convolutions) in float; they are few and cheap, and their outputs are the scores and boxes
 *     themselves
 * @param excludedNodes node names kept in float in addition
 * @param percentile share of each activation's values (in %) its range must hold; 100 takes the
 *     extremes (min/max), less cuts the rare outliers that would otherwise spend the 256 levels on
 *     almost nothing
 * @param opTypes the operator types run in INT8 (a subset of the quantizable ones)
 */
public record QuantizeOptions(
    int floatStemLayers,
    boolean floatHeadConvs,
    Set<String> excludedNodes,
    double percentile,
    Set<String> opTypes) {
  public static final double DEFAULT_PERCENTILE = 99.999;

  /**
   * YOLOX-Nano's first four convolutions (the stem and the first depthwise-separable block) run at
   * 208x208 on channels whose ranges differ by orders of magnitude: one uint8 scale per tensor
   * cannot hold them, and quantizing them alone moved the person count on 9 of 104 test frames;
   * kept float, none.
   */
  public static final int DEFAULT_FLOAT_STEM_LAYERS = 4;

  public QuantizeOptions {
    if (floatStemLayers < 0 || floatStemLayers > 1000) {
      throw new IllegalArgumentException(
          "float stem layers must be 0..1000, was " + floatStemLayers);
    }
    excludedNodes = Set.copyOf(excludedNodes);
    opTypes = Set.copyOf(opTypes);
    for (String op : opTypes) {
      if (!QdqPlan.QUANTIZABLE.contains(op)) {
        throw new IllegalArgumentException(
            "cannot quantize " + op + "; the quantizable operators are " + QdqPlan.QUANTIZABLE);
      }
    }
    if (!(percentile >= 99 && percentile <= 100)) {
      throw new IllegalArgumentException("percentile must be 99..100, was " + percentile);
    }
  }

  public static QuantizeOptions defaults() {
    return new QuantizeOptions(
        DEFAULT_FLOAT_STEM_LAYERS, true, Set.of(), DEFAULT_PERCENTILE, QdqPlan.QUANTIZABLE);
  }
}
