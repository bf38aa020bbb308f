// SPDX-License-Identifier: Apache-2.0
package org.eclipse.kura.message;

import java.util.Date;

/** The optional GPS position of a KuraPayload. */
public class KuraPosition {
  private Double longitude;
  private Double latitude;
  private Double altitude;
  private Double precision;
  private Double heading;
  private Double speed;
  private Date timestamp;
  private Integer satellites;
  private Integer status;

  public Double getLongitude() {
    return longitude;
  }

  public void setLongitude(Double longitude) {
    this.longitude = longitude;
  }

  public Double getLatitude() {
    return latitude;
  }

  public void setLatitude(Double latitude) {
    this.latitude = latitude;
  }

  public Double getAltitude() {
    return altitude;
  }

  public void setAltitude(Double altitude) {
    this.altitude = altitude;
  }

  public Double getPrecision() {
    return precision;
  }

  public void setPrecision(Double precision) {
    this.precision = precision;
  }

  public Double getHeading() {
    return heading;
  }

  public void setHeading(Double heading) {
    this.heading = heading;
  }

  public Double getSpeed() {
    return speed;
  }

  public void setSpeed(Double speed) {
    this.speed = speed;
  }

  public Date getTimestamp() {
    return timestamp;
  }

  public void setTimestamp(Date timestamp) {
    this.timestamp = timestamp;
  }

  public Integer getSatellites() {
    return satellites;
  }

  public void setSatellites(Integer satellites) {
    this.satellites = satellites;
  }

  public Integer getStatus() {
    return status;
  }

  public void setStatus(Integer status) {
    this.status = status;
  }
}
