/** Frames and the sources that produce them. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.watchpost.api.frame;
