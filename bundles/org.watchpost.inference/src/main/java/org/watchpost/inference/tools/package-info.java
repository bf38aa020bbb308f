/**
 * The detector for host tools on a plain class path (the CLI's detect, bench and model commands,
 * the fleet simulator): the firmware's own detector, configured from its Metatype defaults as DS
 * would configure it, without reaching into the bundle's internal packages. Not used on the device.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.watchpost.inference.tools;
