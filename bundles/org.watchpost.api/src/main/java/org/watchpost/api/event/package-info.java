/** Analytics events and the sink that carries them upstream. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.watchpost.api.event;
