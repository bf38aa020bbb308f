/**
 * Where the native libraries the bundles carry (OpenCV, ONNX Runtime) are extracted once and loaded
 * from, so that a device that restarts for a year does not leave a copy in the temporary directory
 * at every start.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.watchpost.api.natives;
