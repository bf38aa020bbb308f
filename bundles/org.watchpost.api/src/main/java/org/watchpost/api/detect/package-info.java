/** The object detector and its results. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.watchpost.api.detect;
