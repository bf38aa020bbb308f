/**
 * Camera and device health reports, the sink that carries them, and the device metrics other
 * bundles provide.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package org.watchpost.api.health;
