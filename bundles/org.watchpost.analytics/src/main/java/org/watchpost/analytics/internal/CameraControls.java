// SPDX-License-Identifier: Apache-2.0
package org.watchpost.analytics.internal;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.watchpost.api.pipeline.CameraControl;

/**
 * The operator's switches of every camera and the running engines they reach. Armed is a per-camera
 * flag each engine reads on every frame; a counter reset is handed to the camera's engines, which
 * apply it on their own pipeline thread.
 */
final class CameraControls implements CameraControl {
  private final Set<String> disarmed = ConcurrentHashMap.newKeySet();
  private final Map<String, Set<CameraAnalyticsEngine>> engines = new ConcurrentHashMap<>();

  @Override
  public boolean armed(String cameraId) {
    return !disarmed.contains(cameraId);
  }

  @Override
  public void setArmed(String cameraId, boolean armed) {
    if (armed) {
      disarmed.remove(cameraId);
    } else {
      disarmed.add(cameraId);
    }
  }

  @Override
  public CompletionStage<Void> resetCounters(String cameraId) {
    Set<CameraAnalyticsEngine> running = engines.get(cameraId);
    if (running == null || running.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.allOf(
        running.stream()
            .map(CameraAnalyticsEngine::requestReset)
            .toArray(CompletableFuture[]::new));
  }

  void started(String cameraId, CameraAnalyticsEngine engine) {
    engines.computeIfAbsent(cameraId, id -> ConcurrentHashMap.newKeySet()).add(engine);
  }

  void stopped(String cameraId, CameraAnalyticsEngine engine) {
    engines.computeIfPresent(
        cameraId,
        (id, set) -> {
          set.remove(engine);
          return set.isEmpty() ? null : set;
        });
  }
}
