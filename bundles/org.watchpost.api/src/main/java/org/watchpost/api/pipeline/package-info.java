/** Extension points of the per-camera pipeline and the state it exposes. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.5.0")
package org.watchpost.api.pipeline;
