/**
 * Capture for host tools on a plain class path (the CLI, the fleet simulator): the firmware's own
 * capture, configured from its Metatype defaults as DS would configure it. Not used on the device.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.watchpost.capture.tools;
