package org.watchpost.api.pipeline;

/**
 * One running camera pipeline, registered as a service while the camera is configured: local displays (OPC UA)
 * read its status. Cheap and safe to call from any thread.
 */
public interface CameraStatusProvider {

  CameraStatus cameraStatus();
}
