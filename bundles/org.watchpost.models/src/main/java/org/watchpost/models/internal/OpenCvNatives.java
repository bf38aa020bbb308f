package org.watchpost.models.internal;

/** Loads the OpenCV native library shipped in the org.openpnp.opencv bundle, once per JVM. */
final class OpenCvNatives {
  private static volatile boolean loaded;

  private OpenCvNatives() {}

  static void load() {
    if (!loaded) {
      synchronized (OpenCvNatives.class) {
        if (!loaded) {
          nu.pattern.OpenCV.loadLocally();
          loaded = true;
        }
      }
    }
  }
}
