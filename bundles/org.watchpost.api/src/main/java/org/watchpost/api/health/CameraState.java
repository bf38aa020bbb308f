package org.watchpost.api.health;

/** Why a camera is not useful, as judged from its own frames and source. */
public enum CameraState {
  OK,
  NO_SIGNAL,
  FROZEN,
  BLACK,
  OVEREXPOSED,
  BLURRED,
  OBSTRUCTED,
  MOVED,
  LOW_FPS
}
