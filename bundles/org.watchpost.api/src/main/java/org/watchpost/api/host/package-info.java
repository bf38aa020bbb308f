/**
 * Whose framework Watchpost runs in, and where its files go there: its own runtime, or Eclipse
 * Kura's, which Watchpost must neither stop nor share an MQTT session with, and whose data
 * directory holds its files. A package of its own so that its version moves only when this does.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.watchpost.api.host;
