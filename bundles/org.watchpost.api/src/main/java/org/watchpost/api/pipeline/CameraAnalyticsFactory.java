// SPDX-License-Identifier: Apache-2.0
package org.watchpost.api.pipeline;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Makes the analytics for one camera; the pipeline falls back to detecting every frame without one.
 */
@ProviderType
public interface CameraAnalyticsFactory {

  CameraAnalytics create(String cameraId);
}
