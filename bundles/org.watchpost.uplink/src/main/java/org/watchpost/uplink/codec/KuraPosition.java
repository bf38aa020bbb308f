// SPDX-License-Identifier: Apache-2.0
package org.watchpost.uplink.codec;

/** Where the device is, as KuraPayload carries it. Optional fields are null when absent. */
public record KuraPosition(
    double latitude,
    double longitude,
    Double altitude,
    Double precision,
    Double heading,
    Double speed,
    Long timestamp,
    Integer satellites,
    Integer status) {

  public static KuraPosition of(double latitude, double longitude) {
    return new KuraPosition(latitude, longitude, null, null, null, null, null, null, null);
  }
}
