package org.watchpost.api.pipeline;

/** Makes the analytics for one camera; the pipeline falls back to detecting every frame without one. */
public interface CameraAnalyticsFactory {

  CameraAnalytics create(String cameraId);
}
