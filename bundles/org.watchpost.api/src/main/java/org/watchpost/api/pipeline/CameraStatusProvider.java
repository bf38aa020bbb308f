// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import org.osgi.annotation.versioning.ProviderType;

/**
 * One running camera pipeline, registered as a service while the camera is configured: local
 * displays (OPC UA) read its status. Cheap and safe to call from any thread.
 */
@ProviderType
public interface CameraStatusProvider {

  CameraStatus cameraStatus();
}
